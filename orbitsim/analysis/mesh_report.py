"""What the laser mesh changes in a run: the same scenario with ``isl = "grid"`` (a shell as
one fully connected group), on the mesh at the scenario's link rate, and on the mesh with slow
links, side by side as Markdown (README's generated block ``mesh-starcloud-demo``)."""

from __future__ import annotations

from dataclasses import dataclass

#: The slow-link variant: 1 Mbit/s a link, where relay capacity binds.
SLOW_RATE_BPS = 1e6


@dataclass(frozen=True)
class MeshComparison:
    """Summaries of the three runs (``summary.json`` of each) and what was run."""

    scenario: str
    hours: float
    grid: dict
    mesh: dict
    slow: dict
    slow_rate_bps: float

    def to_markdown(self) -> str:
        g, m, s = self.grid, self.mesh, self.slow
        rate = _rate(m["isl_rate_bps"])
        slow = _rate(self.slow_rate_bps)
        rows = [
            ("jobs done / total", *(f"{r['jobs_done']:,} / {r['jobs_total']:,}"
                                    for r in (g, m, s))),
            ("latency p50 / p95 / p99, all jobs", *(_seconds(r, "latency_p50_s",
                                                             "latency_p95_s", "latency_p99_s")
                                                    for r in (g, m, s))),
            ("interactive requests (chat) p50 / p95",
             *(_seconds(r["by_kind"].get("latency-inference", {}), "latency_p50_s",
                        "latency_p95_s") for r in (g, m, s))),
            ("batch jobs p50 / p95",
             *(_seconds(r["by_kind"].get("batch-inference", {}), "latency_p50_s",
                        "latency_p95_s") for r in (g, m, s))),
            ("bytes over laser links (`isl_bytes`)", "not routed",
             *(f"{r['isl_bytes'] / 1e9:,.1f} GB" for r in (m, s))),
            ("mean hops (by bytes)", "—", *(f"{r['isl_hops_mean']:.1f}" for r in (m, s))),
            ("busiest link: utilisation (fullest step)", "—",
             *(f"{100 * r['isl_busiest_link_utilisation']:.3g} % "
               f"({100 * r['isl_busiest_link']['peak_step_utilisation']:.3g} %)"
               for r in (m, s))),
            ("mesh legs deferred / split", "—",
             *(f"{r['isl_legs_deferred']:,} / {r['isl_legs_split']:,}" for r in (m, s))),
        ]
        head = (f"| {self.scenario}, {self.hours:g} h, seed {g['scenario_seed']} | "
                f"`isl = \"grid\"` | `isl = \"mesh\"`, {rate} links | "
                f"`isl = \"mesh\"`, {slow} links |")
        lines = [head, "|---|---|---|---|"]
        lines += [f"| {' | '.join(row)} |" for row in rows]
        chat = "latency-inference"
        lines += [
            "",
            f"On the mesh {m['isl_bytes'] / 1e12:,.2f} TB crossed the laser links, "
            f"{m['isl_hops_mean']:.1f} hops on average; "
            f"the busiest link ({m['isl_busiest_link']['link']}) carried "
            f"{m['isl_busiest_link']['bytes'] / 1e9:,.0f} GB, "
            f"{100 * m['isl_busiest_link_utilisation']:.2g} % of what it could at {rate}. "
            f"Interactive requests take "
            f"{_one(m['by_kind'][chat]['latency_p50_s'])} at the median against "
            f"{_one(g['by_kind'][chat]['latency_p50_s'])} with `grid`, whose fixed 50 ms "
            f"allowance for a relay is replaced by the real path (light time and "
            f"{m['isl_hop_delay_s'] * 1e3:g} ms a hop, up to the node and back down to the "
            f"pass). With {slow} links (`isl_rate_bps = {_number(self.slow_rate_bps)}`) relay "
            f"capacity binds: the busiest link is "
            f"{100 * s['isl_busiest_link_utilisation']:.3g} % used, "
            f"{s['isl_legs_deferred']:,} mesh legs wait for a later step, interactive "
            f"requests take {_one(s['by_kind'][chat]['latency_p50_s'])} at the median and "
            f"{s['jobs_done']:,} of {s['jobs_total']:,} jobs finish.",
        ]
        return "\n".join(lines)


def _rate(bps: float) -> str:
    for unit, scale in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if bps >= scale:
            return f"{bps / scale:g} {unit}"
    return f"{bps:g} bit/s"


def _number(value: float) -> str:
    """``1e6`` rather than ``1e+06``."""
    return f"{value:g}".replace("e+0", "e").replace("e+", "e")


def _one(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 10:
        return f"{value * 1e3:,.0f} ms" if value < 1 else f"{value:.1f} s"
    if value < 3600:
        return f"{value / 60:.1f} min" if value >= 600 else f"{value:,.0f} s"
    return f"{value / 3600:.1f} h"


def _seconds(summary: dict, *keys: str) -> str:
    return " / ".join(_one(summary.get(key)) for key in keys)


def mesh_comparison(scenario: str = "starcloud-demo", hours: float = 6.0,
                    slow_rate_bps: float = SLOW_RATE_BPS) -> MeshComparison:
    """Run ``scenario`` for ``hours`` three times: ``isl = "grid"``, ``isl = "mesh"`` at its
    own link rate, and on the mesh at ``slow_rate_bps``."""
    from orbitsim.model.scenario import load_scenario
    from orbitsim.sim.run import simulate

    base = load_scenario(scenario).model_copy(update={"hours": hours})
    summaries = []
    for update in ({"isl": "grid"}, {"isl": "mesh"},
                   {"isl": "mesh", "isl_rate_bps": slow_rate_bps}):
        summary = simulate(base.model_copy(update=update)).summary
        summary["scenario_seed"] = base.seed
        summaries.append(summary)
    return MeshComparison(scenario, hours, *summaries, slow_rate_bps)
