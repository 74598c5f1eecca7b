"""CZML read back by Cesium itself: export a constellation, load the file with Cesium's own
``CzmlDataSource`` in Node (``benchmarks/czml_cesium.mjs``), and compare the positions Cesium
interpolates half-way between the samples (Lagrange, degree 5, as the file asks) with SGP4
propagated at those instants by orbitsim.

    npm install --prefix /tmp/cesium @cesium/engine
    python -m benchmarks.czml_cesium --cesium /tmp/cesium [--constellation starcloud-demo]

A manual check (it needs Node.js and the npm package, which the test suite does not install);
``tests/test_exports.py`` checks the file's structure and samples on every run. Result recorded
in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cesium", required=True, help="folder where @cesium/engine is "
                        "installed (npm install --prefix FOLDER @cesium/engine)")
    parser.add_argument("--constellation", default="starcloud-demo")
    parser.add_argument("--start", default="2026-06-21T00:00:00Z")
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--step", type=float, default=60.0)
    args = parser.parse_args(argv)

    import orbitsim

    constellation = orbitsim.load_constellation(args.constellation)
    folder = Path(tempfile.mkdtemp(prefix="orbitsim-cesium-"))
    path = orbitsim.export(constellation, folder / "check.czml", start=args.start,
                           hours=args.hours, step_s=args.step)
    script = Path(__file__).with_suffix(".mjs")
    env = dict(os.environ, NODE_PATH=str(Path(args.cesium) / "node_modules"))
    # Node resolves ESM imports from the script's folder: run a copy beside node_modules.
    copy = Path(args.cesium) / script.name
    copy.write_text(script.read_text())
    done = subprocess.run(["node", str(copy), str(path)], capture_output=True, text=True,
                          env=env, timeout=600)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    cesium = json.loads(done.stdout)
    errors = []
    for k, satellite in enumerate(cesium["satellites"]):
        times = np.asarray(satellite["times_s"])
        mid = orbitsim.time_grid(args.start, args.hours, args.step / 2.0)
        geometry = orbitsim.propagate(constellation.subset([k]), mid)
        index = np.rint(times / (args.step / 2.0)).astype(int)
        truth = geometry.r_ecef_km[0, index] * 1000.0
        errors.append(np.linalg.norm(np.asarray(satellite["positions_m"]) - truth, axis=1))
    errors = np.concatenate(errors)
    print(json.dumps({
        "constellation": constellation.name, "entities": cesium["entities"],
        "clock": cesium["clock"], "midpoints": int(errors.size),
        "interpolation_error_m_median": float(np.median(errors)),
        "interpolation_error_m_max": float(errors.max()),
    }, indent=2))


if __name__ == "__main__":
    main()
