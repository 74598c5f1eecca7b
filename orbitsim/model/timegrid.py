"""The one time grid of a run: UTC at the edges, Julian dates for sgp4, UT1 for Earth rotation."""

from __future__ import annotations

import functools
import math
import numbers
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from orbitsim.errors import InputError

_UNIX_EPOCH_JD = 2440587.5


@functools.lru_cache(maxsize=1)
@functools.lru_cache(maxsize=1)
def timescale():
    """Skyfield's timescale with its built-in UT1 and leap-second tables (no download); built
    once per process."""
    from skyfield.api import load

    return load.timescale(builtin=True)


def parse_utc(value: str | datetime, *, field_name: str = "start") -> datetime:
    """An aware UTC datetime from an ISO 8601 string (``Z`` or an offset) or a datetime.

    A naive value is taken as UTC.

    >>> parse_utc("2026-06-21T00:00:00Z").isoformat()
    '2026-06-21T00:00:00+00:00'
    """
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        if re.search(r"\d\d:\d\d:60(\.0*)?(Z|z|[+-]\d\d:?\d\d)?$", text):
            raise InputError(
                f"{text!r} is a leap second (second 60): orbitsim's time grid counts UTC "
                "in days of 86,400 s, as sgp4's Julian dates do; give "
                "second 59 or the next minute's second 0", field=field_name)
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise InputError(
                f"{text!r} is not an ISO 8601 UTC time (expected e.g. 2026-06-21T00:00:00Z)",
                field=field_name,
            ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


@dataclass(frozen=True, eq=False)
class TimeGrid:
    """Evenly spaced UTC instants ``start_utc + seconds``.

    Attributes, each ``(n_times,)``: ``seconds`` since start; ``jd_whole`` and ``jd_fraction``,
    the UTC Julian date split as sgp4's ``SatrecArray.sgp4(jd, fr)`` wants it (so the sum keeps
    sub-microsecond precision); the Skyfield ``Time`` array in :attr:`skyfield_time`.
    """

    start_utc: datetime
    step_s: float
    seconds: np.ndarray
    jd_whole: np.ndarray = field(repr=False)
    jd_fraction: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.seconds)

    def __repr__(self) -> str:
        """``<TimeGrid 2026-06-21 00:00:00 UTC + 24 h: 1,441 times every 60 s>``."""
        return (f"<TimeGrid {self.start_utc:%Y-%m-%d %H:%M:%S} UTC + "
                f"{self.duration_s / 3600.0:g} h: {len(self):,} times every {self.step_s:g} s>")

    def __getstate__(self) -> dict:
        # Cached Skyfield objects are rebuilt on demand rather than pickled to workers.
        return {k: v for k, v in self.__dict__.items() if k in self.__dataclass_fields__}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    @property
    def n_times(self) -> int:
        return len(self.seconds)

    @property
    def duration_s(self) -> float:
        return float(self.seconds[-1]) if len(self.seconds) else 0.0

    @functools.cached_property
    def skyfield_time(self):
        """Skyfield ``Time`` array of the grid (UTC, built-in UT1 table)."""
        s = self.start_utc
        sec = s.second + s.microsecond * 1e-6 + self.seconds
        return timescale().utc(s.year, s.month, s.day, s.hour, s.minute, sec)

    @functools.cached_property
    def jd_ut1(self) -> tuple[np.ndarray, np.ndarray]:
        """UT1 Julian date split in two, ``(whole, fraction)``, for Earth-rotation angles."""
        t = self.skyfield_time
        return np.broadcast_to(t.whole, t.shape).astype(float), np.asarray(t.ut1_fraction)

    def at_seconds(self, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """UTC Julian dates ``(whole, fraction)`` of arbitrary offsets from the start."""
        seconds = np.asarray(seconds, dtype=float)
        return np.full(seconds.shape, self.jd_whole[0]), self.jd_fraction[0] + seconds / 86400.0

    def utc(self, seconds: np.ndarray | float) -> np.ndarray:
        """``numpy.datetime64[ms]`` UTC instants of offsets ``seconds`` from the start."""
        base = np.datetime64(self.start_utc.replace(tzinfo=None), "ms")
        ms = np.round(np.asarray(seconds, dtype=float) * 1000.0).astype("int64")
        return base + ms.astype("timedelta64[ms]")

    def iso(self, seconds: np.ndarray | float) -> np.ndarray:
        """ISO 8601 strings (``2026-06-21T00:00:00.000Z``) of offsets from the start."""
        return np.char.add(np.datetime_as_string(self.utc(seconds), unit="ms"), "Z")

    def datetimes(self, seconds: np.ndarray | float):
        """The instants of offsets ``seconds`` from the start as a pandas ``DatetimeIndex``
        in UTC (``datetime64[ns, UTC]``), rounded to the millisecond as :meth:`iso` writes
        them; NaN gives NaT. For the ``*_utc`` columns beside ``*_s`` columns of frames."""
        import pandas as pd

        seconds = np.atleast_1d(np.asarray(seconds, dtype=float))
        finite = np.isfinite(seconds)
        values = self.utc(np.where(finite, seconds, 0.0)).astype("datetime64[ns]")
        values[~finite] = np.datetime64("NaT")
        return pd.DatetimeIndex(values).tz_localize("UTC")


def iso_utc(values) -> np.ndarray:
    """ISO 8601 strings with milliseconds and ``Z`` (``2026-06-21T00:00:00.000Z``) of
    datetimes (a pandas Series or index, aware or naive UTC, or ``datetime64`` values); NaT
    gives an empty string. The CSV form of the ``*_utc`` columns of :meth:`TimeGrid.datetimes`.
    """
    import pandas as pd

    index = pd.DatetimeIndex(values)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    ms = index.round("ms").to_numpy(dtype="datetime64[ms]")
    text = np.char.add(np.datetime_as_string(ms, unit="ms"), "Z")
    return np.where(np.isnat(ms), "", text)


def julian_date_utc(dt: datetime) -> tuple[float, float]:
    """UTC Julian date of an aware datetime, split ``(whole, fraction)`` at midnight (.5)."""
    dt = dt.astimezone(UTC)
    midnight = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    days = (midnight - datetime(1970, 1, 1, tzinfo=UTC)).days
    whole = _UNIX_EPOCH_JD + days
    fraction = (dt - midnight) / timedelta(days=1)
    return whole, fraction


def leap_seconds_between(start: datetime, end: datetime) -> float:
    """Leap seconds inserted between two UTC instants (Skyfield's built-in table): the SI
    seconds between them less their difference on the UTC clock."""
    ts = timescale()
    a, b = ts.from_datetime(start), ts.from_datetime(end)
    si_s = (b.tai - a.tai) * 86400.0
    return float(round(si_s - (end - start).total_seconds()))


#: Coverage of JPL DE421 in ``skyfield-data`` (JD 2414864.5 to 2471184.5), where the Sun's
#: position comes from: a time grid outside it is refused.
EPHEMERIS_START_UTC = datetime(1899, 7, 29, tzinfo=UTC)
EPHEMERIS_END_UTC = datetime(2053, 10, 9, tzinfo=UTC)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def time_grid(start_utc: str | datetime, hours: float, step_s: float = 60.0) -> TimeGrid:
    """A grid from ``start_utc`` over ``hours``, every ``step_s`` seconds, both ends included.

    >>> grid = time_grid("2026-06-21T00:00:00Z", hours=1.0, step_s=60.0)
    >>> len(grid), grid.seconds[-1]
    (61, 3600.0)
    """
    start = parse_utc(start_utc)
    if not (_is_number(hours) and math.isfinite(hours) and hours > 0):
        raise InputError(f"must be a positive number of hours, got {hours!r}", field="hours")
    if not (_is_number(step_s) and math.isfinite(step_s) and step_s > 0):
        raise InputError(f"must be a positive number of seconds, got {step_s!r}", field="step_s")
    end = start + timedelta(hours=float(hours))
    if start < EPHEMERIS_START_UTC or end > EPHEMERIS_END_UTC:
        raise InputError(f"the window {start:%Y-%m-%d %H:%M} UTC + {hours:g} h is outside the "
                         f"Sun ephemeris DE421 ({EPHEMERIS_START_UTC:%Y-%m-%d} to "
                         f"{EPHEMERIS_END_UTC:%Y-%m-%d}) that sunlight and eclipses come from",
                         field="start" if start < EPHEMERIS_START_UTC or
                         start >= EPHEMERIS_END_UTC else "hours")
    leap = leap_seconds_between(start, end)
    if leap:
        raise InputError(f"the window {start:%Y-%m-%d %H:%M} UTC + {hours:g} h contains "
                         f"{leap:g} leap second(s): orbitsim's time grid counts UTC in days of "
                         "86,400 s as sgp4's Julian dates do, which would put every position "
                         "after it ~0.5 km off; end the window before the leap second or start "
                         "it after", field="start")
    n = int(math.floor(hours * 3600.0 / step_s + 1e-9)) + 1
    if n < 2:
        raise InputError(f"{hours} h is shorter than one step of {step_s} s", field="hours")
    seconds = np.arange(n, dtype=float) * float(step_s)
    whole, fraction = julian_date_utc(start)
    return TimeGrid(
        start_utc=start,
        step_s=float(step_s),
        seconds=seconds,
        jd_whole=np.full(n, whole),
        jd_fraction=fraction + seconds / 86400.0,
    )
