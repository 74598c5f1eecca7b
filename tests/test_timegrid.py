"""The time grid: ISO parsing, sample counts, and the Julian dates sgp4 gets, as Skyfield's
``EarthSatellite`` would give them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from orbitsim.errors import InputError
from orbitsim.model.timegrid import julian_date_utc, parse_utc, time_grid

UTC = UTC


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-21T00:00:00Z", datetime(2026, 6, 21, tzinfo=UTC)),
        ("2026-06-21T00:00:00z", datetime(2026, 6, 21, tzinfo=UTC)),
        ("2026-06-21T02:30:00+02:30", datetime(2026, 6, 21, tzinfo=UTC)),
        ("2026-06-20T19:00:00-05:00", datetime(2026, 6, 21, tzinfo=UTC)),
        ("2026-06-21T00:00:00", datetime(2026, 6, 21, tzinfo=UTC)),  # naive: UTC
        ("2026-06-21T00:00Z", datetime(2026, 6, 21, tzinfo=UTC)),
        ("2026-06-21", datetime(2026, 6, 21, tzinfo=UTC)),
        ("  2026-06-21T12:34:56.789012Z ", datetime(2026, 6, 21, 12, 34, 56, 789012, tzinfo=UTC)),
    ],
)
def test_parse_utc_accepts_iso_8601(text, expected):
    parsed = parse_utc(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)


def test_parse_utc_datetimes():
    assert parse_utc(datetime(2026, 1, 1, 12)) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    eastern = timezone(timedelta(hours=-5))
    assert parse_utc(datetime(2026, 1, 1, 12, tzinfo=eastern)) == datetime(
        2026, 1, 1, 17, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text", ["garbage", "", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-06-21 25:00",
             "21/06/2026", "2026-06-21T00:00:00+25:00"]
)
def test_bad_start_raises_input_error_naming_the_field(text):
    with pytest.raises(InputError) as caught:
        time_grid(text, 1.0)
    assert caught.value.field == "start"
    assert str(caught.value).startswith("start: ")
    assert "ISO 8601" in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(InputError, match="^epoch_utc: "):
        parse_utc(text, field_name="epoch_utc")


@pytest.mark.parametrize(
    ("hours", "step_s", "field"),
    [(-1.0, 60.0, "hours"), (0.0, 60.0, "hours"), (float("nan"), 60.0, "hours"),
     (float("inf"), 60.0, "hours"), ("2", 60.0, "hours"), (None, 60.0, "hours"),
     (1.0, 0.0, "step_s"), (1.0, -5.0, "step_s"), (1.0, float("inf"), "step_s"),
     (0.001, 60.0, "hours")],  # shorter than one step
)
def test_bad_hours_and_step_raise_input_error_naming_the_field(hours, step_s, field):
    with pytest.raises(InputError) as caught:
        time_grid("2026-06-21T00:00:00Z", hours, step_s)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("hours", "step_s", "n_times", "last_s"),
    [(1.0, 60.0, 61, 3600.0), (24.0, 60.0, 1441, 86400.0), (1.0, 7.0, 515, 3598.0),
     (0.1, 0.6, 601, 360.0),  # 360/0.6 = 599.999... in floating point
     (1.0 / 3.0, 20.0, 61, 1200.0), (1.0 / 60.0, 0.1, 601, 60.0), (3, 30, 361, 10800.0)],
)
def test_number_of_samples(hours, step_s, n_times, last_s):
    grid = time_grid("2026-06-21T00:00:00Z", hours, step_s)
    assert len(grid) == grid.n_times == n_times
    assert grid.seconds[0] == 0.0
    assert grid.seconds[-1] == pytest.approx(last_s, abs=1e-9)
    assert grid.duration_s == pytest.approx(last_s, abs=1e-9)
    np.testing.assert_allclose(np.diff(grid.seconds), step_s, rtol=1e-12)
    assert grid.jd_whole.shape == grid.jd_fraction.shape == (n_times,)


def skyfield_sgp4_dates(ts, grid):
    """What Skyfield's ``EarthSatellite`` hands to sgp4 for the grid's instants (its
    ``_position_and_velocity_TEME_km``): ``t.whole`` and ``t.tai_fraction - leap seconds``."""
    s = grid.start_utc
    t = ts.utc(s.year, s.month, s.day, s.hour, s.minute,
               s.second + s.microsecond * 1e-6 + grid.seconds)
    return t.whole, t.tai_fraction - t._leap_seconds() / 86400.0


@pytest.mark.parametrize(
    "start",
    ["2026-06-21T00:00:00Z", "2026-12-21T13:37:12.345678+02:00", "1999-12-31T23:59:59.5Z",
     "2000-01-01T12:00:00Z", "2049-07-04T06:30:00Z", "1980-02-29T23:00:00Z"],
)
def test_julian_dates_match_what_skyfield_gives_sgp4(ts, start):
    grid = time_grid(start, 30.0, 60.0)
    whole, fraction = skyfield_sgp4_dates(ts, grid)
    difference_s = ((grid.jd_whole - whole) + (grid.jd_fraction - fraction)) * 86400.0
    worst_us = np.max(np.abs(difference_s)) * 1e6
    assert worst_us < 1.0, f"worst JD difference {worst_us:.3e} µs"
    # The split keeps precision: the whole part is a midnight, the fraction starts in [0, 1).
    assert np.all(grid.jd_whole % 1.0 == 0.5)
    assert 0.0 <= grid.jd_fraction[0] < 1.0


def test_skyfield_time_and_ut1(ts):
    grid = time_grid("2026-06-21T00:00:00Z", 2.0, 60.0)
    t = grid.skyfield_time
    assert t.shape == (len(grid),)
    reference = ts.utc(2026, 6, 21, 0, 0, grid.seconds)
    np.testing.assert_allclose((t.tt - reference.tt) * 86400.0, 0.0, atol=1e-6)
    ut1_whole, ut1_fraction = grid.jd_ut1
    dut1_s = ((ut1_whole - grid.jd_whole) + (ut1_fraction - grid.jd_fraction)) * 86400.0
    assert np.all(np.abs(dut1_s) < 0.9)  # |UT1 - UTC| < 0.9 s by definition of UTC
    np.testing.assert_allclose(dut1_s, dut1_s[0], atol=1e-4)  # steady over two hours


def test_julian_date_utc():
    assert julian_date_utc(datetime(2000, 1, 1, 12, tzinfo=UTC)) == (2451544.5, 0.5)
    whole, fraction = julian_date_utc(datetime(2026, 6, 21, 18, tzinfo=timezone(timedelta(
        hours=-6))))  # 2026-06-22T00:00Z
    assert (whole, fraction) == (2461213.5, 0.0)


def test_iso_and_utc_formatting():
    grid = time_grid("2026-06-21T23:59:00Z", 1.0, 60.0)
    assert grid.iso(0.0) == "2026-06-21T23:59:00.000Z"
    assert grid.iso(90.0) == "2026-06-22T00:00:30.000Z"
    np.testing.assert_array_equal(
        grid.iso(np.array([0.0004, 0.0006, 1.2345, 86400.0])),
        ["2026-06-21T23:59:00.000Z", "2026-06-21T23:59:00.001Z", "2026-06-21T23:59:01.234Z",
         "2026-06-22T23:59:00.000Z"],
    )
    utc = grid.utc(np.array([0.0, 1.5]))
    assert utc.dtype == np.dtype("datetime64[ms]")
    assert utc[1] == np.datetime64("2026-06-21T23:59:01.500")
    offset = time_grid("2026-06-21T12:00:00.250+02:00", 1.0, 60.0)
    assert offset.iso(0.0) == "2026-06-21T10:00:00.250Z"


def test_at_seconds_between_samples():
    grid = time_grid("2026-06-21T06:00:00Z", 1.0, 60.0)
    whole, fraction = grid.at_seconds(np.array([0.0, 30.0, 3600.0]))
    np.testing.assert_array_equal(whole, grid.jd_whole[0])
    np.testing.assert_allclose((fraction - 0.25) * 86400.0, [0.0, 30.0, 3600.0], atol=1e-6)


def test_grid_pickles_without_its_skyfield_cache():
    import pickle

    grid = time_grid("2026-06-21T00:00:00Z", 1.0, 60.0)
    _ = grid.skyfield_time  # fill the cache
    copy = pickle.loads(pickle.dumps(grid))
    np.testing.assert_array_equal(copy.jd_fraction, grid.jd_fraction)
    assert copy.start_utc == grid.start_utc
    assert len(copy.skyfield_time) == len(grid)


def test_numpy_scalars_are_numbers():
    grid = time_grid("2026-06-21T00:00:00Z", np.int64(2), np.float32(60.0))
    assert len(grid) == 121


def test_a_window_across_a_leap_second_is_refused_with_the_reason():
    # Across a leap second the sgp4 dates (start + elapsed seconds on the UTC clock) would run
    # 1 s ahead of Skyfield's (elapsed SI seconds), which sets Earth rotation and the Sun:
    # 0.5 km of ECEF error after 2016-12-31T23:59:60. Refused, not silently wrong.
    with pytest.raises(InputError, match="contains 1 leap second"):
        time_grid("2016-12-31T23:58:00Z", 0.1, 60.0)
    with pytest.raises(InputError, match="is a leap second"):
        time_grid("2016-12-31T23:59:60Z", 0.1, 60.0)
    assert len(time_grid("2017-01-01T00:00:00Z", 0.1, 60.0)) == 7  # just after: fine


def test_repr_datetimes_and_iso_utc():
    import pandas as pd

    from orbitsim.model.timegrid import iso_utc

    grid = time_grid("2026-06-21T00:00:00Z", hours=24, step_s=60)
    assert repr(grid) == "<TimeGrid 2026-06-21 00:00:00 UTC + 24 h: 1,441 times every 60 s>"
    when = grid.datetimes([0.0, 1.2344, np.nan, 86400.0])
    assert str(when.dtype) == "datetime64[ns, UTC]"
    assert when[0] == pd.Timestamp("2026-06-21T00:00:00Z") and pd.isna(when[2])
    assert when[3] == pd.Timestamp("2026-06-22T00:00:00Z")
    # The CSV form: what iso() gave, NaT as an empty field.
    assert list(iso_utc(when)) == ["2026-06-21T00:00:00.000Z", "2026-06-21T00:00:01.234Z", "",
                                   "2026-06-22T00:00:00.000Z"]
    assert list(iso_utc(when[[0, 1, 3]])) == list(grid.iso([0.0, 1.2344, 86400.0]))
