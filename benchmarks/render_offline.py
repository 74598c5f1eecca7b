"""Render orbitsim's HTML pages in headless Chromium with the network off, and say what drew.

    python -m benchmarks.render_offline out/demo/report.html cov.html [--screenshot DIR]

For each page: the plotly graphs drawn, the animation's slider ticks (one per frame), the
``<img>`` elements, and every message the page logged to the console (a failed load, a
script error). The network is off for real where the process may create a network namespace
(``unshare --net``, as root): Chromium then has no interface but loopback. Elsewhere every
request goes to a closed local port (``--proxy-server``) and every host name fails to resolve.
Chromium comes from Debian's package ``chromium`` (``apt-get install chromium``); the flags are
those known to work on this project's machines (no sandbox as root, no GPU, no background
networking). The tests run :func:`render` when Chromium is installed (``tests/test_maps.py``,
``tests/test_report.py``) and are skipped otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio")
#: Time the page's scripts get (virtual time: no real wait once they are idle), ms.
BUDGET_MS = 10_000


def chromium() -> str | None:
    """The Chromium executable, if one is installed."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _no_network_prefix() -> list[str]:
    """``unshare --net`` when this process may use it (a namespace with loopback only)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    try:
        done = subprocess.run([unshare, "--net", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [unshare, "--net"] if done.returncode == 0 else []


def render(page: str | Path, *, screenshot: str | Path | None = None,
           timeout_s: float = 120.0) -> dict:
    """Open ``page`` in headless Chromium with the network off; what it drew (module
    docstring). Raises RuntimeError when Chromium is missing or fails."""
    exe = chromium()
    if exe is None:
        raise RuntimeError("no Chromium: apt-get install chromium")
    page = Path(page).resolve()
    prefix = _no_network_prefix()
    isolation = "network namespace" if prefix else "closed proxy"
    blocked = [] if prefix else ["--proxy-server=http://127.0.0.1:9",
                                 "--proxy-bypass-list=<-loopback>",
                                 "--host-resolver-rules=MAP * ~NOTFOUND"]
    with tempfile.TemporaryDirectory(prefix="orbitsim-chromium-") as profile:
        common = [*prefix, exe, *FLAGS, *blocked, f"--user-data-dir={profile}",
                  f"--virtual-time-budget={BUDGET_MS}", "--enable-logging=stderr", "--v=0"]
        done = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True,
                              text=True, timeout=timeout_s)
        if done.returncode != 0 or not done.stdout:
            raise RuntimeError(f"chromium failed ({done.returncode}): {done.stderr[-500:]}")
        if screenshot is not None:
            subprocess.run([*common, "--window-size=1280,2000", f"--screenshot={screenshot}",
                            page.as_uri()], capture_output=True, timeout=timeout_s)
    dom = done.stdout
    # Console messages of the page itself (Chromium's own pages log too: those are not ours).
    console = [line for line in done.stderr.splitlines()
               if ":CONSOLE" in line and page.as_uri() in line]
    return {
        "page": str(page),
        "network_off_by": isolation,
        "plotly_graphs": len(re.findall(r'class="plot-container plotly"', dom)),
        "slider_ticks": len(re.findall(r'class="slider-tick-rect"', dom)),
        "layer_buttons": len(re.findall(r'class="updatemenu-button"', dom)),
        "images": len(re.findall(r"<img\b", dom)),
        "console": console,
        "dom_bytes": len(dom),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="+", help="HTML files written by orbitsim")
    parser.add_argument("--screenshot", help="folder for a PNG of each page")
    args = parser.parse_args(argv)
    for page in args.pages:
        shot = None
        if args.screenshot:
            Path(args.screenshot).mkdir(parents=True, exist_ok=True)
            shot = Path(args.screenshot) / (Path(page).stem + ".png")
        print(json.dumps(render(page, screenshot=shot), indent=2))


if __name__ == "__main__":
    main()
