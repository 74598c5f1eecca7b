"""Geometry pipeline benchmark (issue: foundation).

1. orbitsim's pipeline (SGP4 + TEME->ECEF + geodetic + illuminated fraction) against raw
   ``SatrecArray.sgp4`` on the same satellites and times, one core, same run: cost ratio.
2. The same outputs from a Skyfield per-satellite loop (``at``, ``frame_xyz(itrs)``,
   ``geographic_position_of``, ``is_sunlit``): speed-up. orbitsim's side does strictly more:
   it builds its ``Satrec`` objects from the elements on every call (Skyfield's loop gets them
   prebuilt), returns error codes, and the penumbra's fraction rather than a yes/no.
3. ``orbitsim eclipses spacex-odc-1m`` over one orbit (96 min at 60 s), 1,000,000 satellites:
   wall time and peak resident memory, one and two workers.

Run: ``python -m benchmarks.bench_geometry [--quick]``.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import interleaved, machine, single_core, table

single_core()

import numpy as np  # noqa: E402


def pipeline_vs_sgp4(n_sats: int, hours: float, repeats: int) -> dict:
    from sgp4.api import SatrecArray

    from orbitsim import load_constellation, propagate, time_grid
    from orbitsim.geometry.propagate import GridContext

    shell = load_constellation("starlink-shell1").subset(slice(0, n_sats))
    grid = time_grid("2026-03-20T00:00:00Z", hours=hours, step_s=60)
    context = GridContext.of(grid)
    satrecs = shell.satrecs
    array = SatrecArray(satrecs)
    raw, ours, ratio = interleaved(
        lambda: array.sgp4(context.jd_whole, context.jd_fraction), lambda: propagate(shell, grid),
        repeats)
    points = n_sats * len(grid)
    return {
        "case": f"{n_sats} sats x {len(grid)} steps",
        "raw SatrecArray.sgp4 (ns/point)": f"{raw / points * 1e9:.0f}",
        "orbitsim propagate (ns/point)": f"{ours / points * 1e9:.0f}",
        "ratio orbitsim / raw sgp4": f"{ratio:.2f}",
    }


def skyfield_loop(n_sats: int, hours: float, repeats: int) -> dict:
    from skyfield.api import EarthSatellite, wgs84
    from skyfield.framelib import itrs

    from orbitsim import load_constellation, propagate, time_grid
    from orbitsim.geometry.sun import ephemeris

    shell = load_constellation("starlink-shell1").subset(slice(0, n_sats))
    grid = time_grid("2026-03-20T00:00:00Z", hours=hours, step_s=60)
    t = grid.skyfield_time
    eph = ephemeris()
    from orbitsim.model.timegrid import timescale

    ts = timescale()

    def skyfield():
        for satrec in shell.satrecs:
            position = EarthSatellite.from_satrec(satrec, ts).at(t)
            position.frame_xyz(itrs)
            wgs84.geographic_position_of(position)
            position.is_sunlit(eph)

    sky, ours, ratio = interleaved(skyfield, lambda: propagate(shell, grid), repeats)
    points = n_sats * len(grid)
    return {
        "case": f"{n_sats} sats x {len(grid)} steps",
        "Skyfield loop (ns/point)": f"{sky / points * 1e9:.0f}",
        "orbitsim propagate (ns/point)": f"{ours / points * 1e9:.0f}",
        "speed-up over Skyfield": f"{1.0 / ratio:.1f}x",
    }


def million(workers: int, hours: float = 1.6) -> dict:
    """Run the CLI in a child process; its peak RSS is the child's ru_maxrss."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "eclipses.csv"
        cmd = [sys.executable, "-m", "orbitsim", "eclipses", "spacex-odc-1m", "--hours", str(hours),
               "--step", "60", "--workers", str(workers), "--out", str(out)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        wall = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        rows = sum(1 for _ in out.open()) - 1
    return {
        "case": f"spacex-odc-1m, {hours} h at 60 s, workers={workers}",
        "wall (s)": f"{wall:.0f}",
        "peak RSS of one process (MiB)": f"{max(peak_kib, before) / 1024:.0f}",
        "eclipse rows": f"{rows:,}",
    }


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small cases, for CI smoke runs")
    parser.add_argument("--skip-million", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        a = [pipeline_vs_sgp4(100, 2, 3)]
        b = [skyfield_loop(5, 2, 2)]
        c = []
    else:
        a = [pipeline_vs_sgp4(1584, 24, 7), pipeline_vs_sgp4(200, 24, 7)]
        b = [skyfield_loop(200, 24, 7)]
        c = [] if args.skip_million else [million(1), million(2)]
    parts = [f"machine: {machine()}, numpy {np.__version__}", "",
             table(a, list(a[0])), "", table(b, list(b[0]))]
    if c:
        parts += ["", table(c, list(c[0]))]
    text = "\n".join(parts)
    print(text)
    return text


if __name__ == "__main__":
    main()
