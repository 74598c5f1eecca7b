"""The report's governance section: the rules in force and what each cost each tenant.

Rendered from ``summary["governance"]`` (:func:`orbitsim.sim.governance.governance_metrics`,
priced by :func:`orbitsim.analysis.economics.governance.price_governance`, with
``rule_costs`` from :mod:`orbitsim.analysis.governance` when the scenario asks for them) and
the run's pauses (a Gantt chart of the suspended and geofenced work, node by node).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from orbitsim.analysis import plots

_COLOURS = {"suspended": "#b3261e", "geofenced": "#e08a00"}
#: Most nodes the pause chart draws (those with the most paused time).
MAX_NODES = 24


def pause_figure(pauses, node_names: Sequence[str], node_accelerator: Sequence[str],
                 horizon_s: float, windows: Sequence[tuple[float, float]] = ()) -> Figure:
    """Gantt chart of governance pauses: one row per node with paused work (the
    :data:`MAX_NODES` with the most), a bar per pause coloured by reason; the remote-suspend
    windows shaded."""
    per_node = (pauses["end_s"] - pauses["start_s"]).groupby(pauses["node"]).sum()
    nodes = [int(n) for n, _ in sorted(per_node.items(), key=lambda x: (-x[1], x[0]))]
    nodes = sorted(nodes[:MAX_NODES])
    rows = {n: k for k, n in enumerate(nodes)}
    figure = Figure(figsize=(11.0, 0.34 * max(len(rows), 3) + 2.0), layout="constrained")
    axes = figure.add_subplot()
    for start_s, end_s in windows:
        axes.axvspan(start_s / 3600.0, min(end_s, horizon_s) / 3600.0, color="#b3261e",
                     alpha=0.08, lw=0)
    shown = pauses[pauses["node"].isin(rows)]
    if len(shown):
        row = shown["node"].map(rows).to_numpy(dtype=float)
        x0 = shown["start_s"].to_numpy(dtype=float) / 3600.0
        x1 = shown["end_s"].to_numpy(dtype=float) / 3600.0
        boxes = np.stack([np.column_stack([x0, row - 0.35]), np.column_stack([x1, row - 0.35]),
                          np.column_stack([x1, row + 0.35]), np.column_stack([x0, row + 0.35])],
                         axis=1)
        axes.add_collection(PolyCollection(
            boxes, facecolors=[_COLOURS.get(r, "0.5") for r in shown["reason"]],
            edgecolors="none"))
    labels = [f"{node_names[n]} ({node_accelerator[n]})" for n in nodes]
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    axes.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    axes.set_xlim(0.0, horizon_s / 3600.0)
    axes.set_xlabel("time since start (h)")
    axes.grid(axis="x", alpha=0.3)
    handles = [Patch(color=_COLOURS["suspended"], label="suspended (remote control)"),
               Patch(color=_COLOURS["geofenced"], label="geofenced (over a forbidden region)")]
    axes.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    title = f"Work paused by governance rules on {len(rows)} nodes"
    if len(per_node) > len(rows):
        title += f" (of {len(per_node)} with pauses)"
    axes.set_title(title, fontsize=12)
    return figure


def governance_plot(run):
    """The report's pause chart (a :class:`~orbitsim.analysis.report.Plot`), or None when no
    work was paused."""
    from orbitsim.analysis.report import Plot

    pauses = run.result.pauses
    if pauses is None or pauses.empty:
        return None
    names = run.inputs.constellation.names
    accelerators = run.nodes.sort_values("node")["accelerator"].tolist()
    windows = [(s.start_s, s.end_s) for s in run.scenario.governance.suspensions]
    figure = pause_figure(pauses, names, accelerators, float(run.result.horizon_s), windows)
    caption = (f"Each bar is a governed job's work paused on a node: red while a remote "
               f"suspension holds its tenant (shaded: the suspension windows), orange while the "
               f"node's sub-satellite point is over a region the tenant's licence forbids "
               f"(entry and exit computed from the propagated track). {len(pauses):,} pauses "
               f"in the run.")
    return Plot("governance", "Governance: paused work", caption, plots.png_bytes(figure))


def _usd(value) -> str:
    if value is None or not math.isfinite(float(value)):
        return "–"
    value = float(value)
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


def _hours(seconds) -> str:
    return "–" if seconds is None else f"{float(seconds) / 3600.0:,.1f} h"


def _seconds(value) -> str:
    """A signed duration (latency added)."""
    if value is None:
        return "–"
    value = float(value)
    if abs(value) >= 3600:
        return f"{value / 3600.0:+,.2f} h"
    if abs(value) >= 60:
        return f"{value / 60.0:+,.1f} min"
    return f"{value:+,.0f} s"


def _latency(value) -> str:
    if value is None:
        return "–"
    value = float(value)
    return f"{value / 60.0:,.1f} min" if value >= 60 else f"{value:,.1f} s"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{html.escape(c)}</td>' if k >= numeric_from
        else f"<td>{html.escape(c)}</td>" for k, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _terms_text(terms: Mapping) -> str:
    parts = []
    for acc, t in sorted(terms.items()):
        if t["access"] == "terms":
            extra = []
            if t.get("monitoring"):
                extra.append("monitored")
            if t.get("geofence"):
                extra.append("no compute over " + ", ".join(t["geofence"]))
            parts.append(f"{acc}: terms" + (f" ({'; '.join(extra)})" if extra else ""))
        else:
            parts.append(f"{acc}: {t['access']}")
    return "; ".join(parts)


def governance_html(summary: Mapping, plot_html: str = "") -> str:
    """The section: per tenant, the terms, the jobs, what the rules did and the bill; the
    monitoring stream; the bill by country; and, when the run compared, the cost of each
    rule against the run without it."""
    from orbitsim.analysis.governance import RULE_LABELS

    g = summary.get("governance") or {}
    tenants = g.get("tenants") or {}
    if not tenants:
        return ""
    rows = []
    for name, t in tenants.items():
        levy = t.get("levy_fraction_by_accelerator") or {}
        levy_text = ", ".join(f"{100 * f:.0f} % on {a}" for a, f in levy.items())
        hours = t.get("accelerator_hours_by_accelerator") or {}
        idle = (t.get("suspended_accelerator_hours", 0.0)
                + t.get("geofenced_accelerator_hours", 0.0))
        rows.append([
            f"{name} ({t.get('home_country') or '?'})", _terms_text(t.get("terms") or {}),
            f"{t.get('jobs_done', 0):,} / {t.get('jobs_total', 0):,}",
            f"{t.get('licence_refusals', 0):,} / {t.get('licence_failed', 0):,}",
            f"{_hours(t.get('suspended_s'))} / {_hours(t.get('geofenced_s'))}",
            f"{idle:,.1f}",
            f"{_latency(t.get('latency_p50_s'))} / {_latency(t.get('latency_p95_s'))}",
            ", ".join(f"{a} {h:,.0f}" for a, h in sorted(hours.items())) or "0",
            _usd(t.get("compute_usd")), _usd(t.get("monitoring_usd")),
            f"{_usd(t.get('levy_usd'))} ({levy_text})" if levy_text
            else _usd(t.get("levy_usd")),
            _usd(t.get("bill_usd"))])
    parts = ['<section id="governance"><h2>Governance: licences, monitoring, suspension, '
             'geofences</h2>',
             '<p class="sub">What each tenant may run where, and what the rules did to it in '
             'this run. Licence refusals: jobs that found accelerators free only on nodes '
             'their licence forbids and waited (each job once); failed: no licensed node to go '
             'to. Suspended / geofenced: time a job was paused (job-hours), and the '
             'accelerator-hours those pauses held idle. Dollars over the run: compute at the '
             'orbital cost per delivered accelerator-hour of each hardware group, the '
             'telemetry\'s ground-station minutes billed to the monitored tenants, and the '
             'levy on what a tenant pays for compute under terms.</p>',
             _table(["tenant (home)", "licence", "jobs done / total",
                     "licence refusals / failed", "suspended / geofenced",
                     "idle accelerator-h", "latency p50 / p95", "accelerator-h",
                     "compute", "monitoring", "levy", "bill"], rows, numeric_from=2)]
    if g.get("monitored_nodes"):
        parts.append(
            f'<p>Monitoring: {g["monitored_nodes"]:,} nodes send '
            f'{g["monitoring_bytes_per_node_hour"] / 1e9:,.2f} GB of telemetry an hour each; '
            f'{g["monitoring_bytes"] / 1e9:,.1f} of {g["monitoring_bytes_generated"] / 1e9:,.1f} '
            f'GB went down in the run ({g["monitoring_backlog_bytes"] / 1e9:,.1f} GB still on '
            f'board at the end), taking {g["monitoring_pass_s"] / 60.0:,.0f} pass-minutes from '
            f'the tenants ({_usd(g.get("monitoring_usd"))} of ground-station service).</p>')
    countries = g.get("bill_by_country") or {}
    if countries:
        crow = [[c, f"{v['tenants']:,}", _usd(v["compute_usd"]), _usd(v["monitoring_usd"]),
                 _usd(v["levy_paid_usd"]), _usd(v["levy_received_usd"]), _usd(v["bill_usd"])]
                for c, v in sorted(countries.items())]
        parts.append("<h3>Bill by country (tenants' home countries)</h3>")
        parts.append(_table(["country", "tenants", "compute", "monitoring", "levy paid",
                             "levy received", "bill"], crow))
    costs = g.get("rule_costs") or {}
    if costs:
        rrow = []
        for rule, per in costs.items():
            for name, c in per.items():
                rrow.append([RULE_LABELS.get(rule, rule), name,
                             f"{c['jobs_done']:,} / {c['jobs_done_without']:,}",
                             _seconds(c.get("latency_p50_added_s")),
                             _seconds(c.get("latency_p95_added_s")),
                             f"{c['accelerator_hours_lost']:+,.1f}", _usd(c["direct_usd"])])
        parts.append("<h3>What each rule cost each tenant</h3>")
        parts.append('<p class="sub">The same scenario, seed and jobs run again without one '
                     'kind of rule (and without any): jobs done with / without it, the latency '
                     'it added (p50, p95; negative: the rule made it shorter, as work moved '
                     'elsewhere), the delivered accelerator-hours it cost, and its direct '
                     'dollars (levy, telemetry, idle accelerator-hours).</p>')
        parts.append(_table(["rule", "tenant", "jobs done with / without", "p50 latency added",
                             "p95 latency added", "accelerator-h lost", "direct $"], rrow,
                            numeric_from=2))
    parts.append(plot_html)
    parts.append("</section>")
    return "".join(parts)


def governance_markdown(summary: Mapping, *, rule_tenants: Sequence[str] | None = None) -> str:
    """The governance figures of a run as Markdown (README): per tenant, then what each rule
    cost the tenants it touched (``rule_tenants``; default: those with a refusal, a pause or
    a levy), then the fleet's price per hardware group."""
    from orbitsim.analysis.governance import RULE_LABELS

    g = summary.get("governance") or {}
    tenants = g.get("tenants") or {}
    lines = ["| tenant (home) | licence | jobs done / total | licence refusals | suspended / "
             "geofenced | idle accelerator-h | latency p50 / p95 | accelerator-h | levy | bill |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, t in tenants.items():
        idle = t.get("suspended_accelerator_hours", 0.0) + t.get("geofenced_accelerator_hours",
                                                                 0.0)
        lines.append(
            f"| {name} ({t.get('home_country') or '?'}) | {_terms_text(t.get('terms') or {})} | "
            f"{t['jobs_done']:,} / {t['jobs_total']:,} | {t['licence_refusals']:,} | "
            f"{_hours(t['suspended_s'])} / {_hours(t['geofenced_s'])} | {idle:,.0f} | "
            f"{_latency(t.get('latency_p50_s'))} / {_latency(t.get('latency_p95_s'))} | "
            f"{t['accelerator_hours']:,.0f} | {_usd(t.get('levy_usd'))} | "
            f"{_usd(t.get('bill_usd'))} |")
    if g.get("monitored_nodes"):
        where = ", ".join(g.get("monitoring_countries") or []) or "any country"
        lines += ["", f"Monitoring: {g['monitored_nodes']} nodes sent "
                      f"{g['monitoring_bytes'] / 1e9:,.0f} of the "
                      f"{g['monitoring_bytes_generated'] / 1e9:,.0f} GB of telemetry they made "
                      f"down to stations in {where}, in {g['monitoring_pass_s'] / 60.0:,.0f} "
                      f"pass-minutes ({_usd(g.get('monitoring_usd'))}); levies "
                      f"{_usd(g.get('levy_usd'))} in all."]
    costs = g.get("rule_costs") or {}
    if costs:
        if rule_tenants is None:
            rule_tenants = [n for n, t in tenants.items()
                            if t["licence_refusals"] or t["suspended_s"] or t["geofenced_s"]
                            or t.get("levy_usd")]
        lines += ["", "| rule | tenant | jobs done with / without | p50 / p95 latency added | "
                      "accelerator-h lost | direct $ |", "|---|---|---:|---:|---:|---:|"]
        for rule, per in costs.items():
            for name in rule_tenants:
                c = per.get(name)
                if c is None:
                    continue
                lines.append(
                    f"| {RULE_LABELS.get(rule, rule)} | {name} | {c['jobs_done']:,} / "
                    f"{c['jobs_done_without']:,} | {_seconds(c.get('latency_p50_added_s'))} / "
                    f"{_seconds(c.get('latency_p95_added_s'))} | "
                    f"{c['accelerator_hours_lost']:+,.1f} | {_usd(c['direct_usd'])} |")
    verdict = summary.get("verdict") or {}
    groups = verdict.get("hardware_groups") or {}
    if groups:
        parts = [f"{label} {_usd(v['orbit_usd_per_accelerator_hour'])} "
                 f"({100 * v['utilisation']:.0f} % used)" for label, v in groups.items()]
        lines += ["", f"Priced per hardware group: {', '.join(parts)} per delivered "
                      f"accelerator-hour; the fleet "
                      f"{_usd(verdict.get('orbit_usd_per_accelerator_hour'))} against "
                      f"{_usd(verdict.get('ground_usd_per_accelerator_hour_same_utilisation'))}"
                      f" on the ground at the same utilisation."]
    return "\n".join(lines)


__all__ = ["governance_html", "governance_markdown", "governance_plot", "pause_figure"]
