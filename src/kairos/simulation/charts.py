"""Charts of an experiment as one self-contained HTML page (Plotly's JavaScript inlined, no CDN)."""

from __future__ import annotations

import html
import math
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kairos.simulation.experiment import Experiment, SensitivityRow
from kairos.simulation.outcomes import METRICS

#: The metrics charted, in order; the rest are in the table and the JSON.
CHARTED: tuple[str, ...] = (
    "mot_certified_share", "mot_wait_s", "abandonment", "mot_resolution", "churned",
    "revenue_at_risk", "aht_s", "service_level",
)  # fmt: skip
_COLOURS = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a")


def _scale(metric: str) -> float:
    return 100.0 if METRICS[metric][1] == "%" else 1.0


def _error(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def metrics_figure(experiment: Experiment) -> go.Figure:
    """One panel per metric: each policy's mean with its 95% interval."""
    cols = 4
    rows = math.ceil(len(CHARTED) / cols)
    titles = [f"{METRICS[m][0]}{' (%)' if METRICS[m][1] == '%' else ''}" for m in CHARTED]
    figure = make_subplots(rows=rows, cols=cols, subplot_titles=titles)
    for k, metric in enumerate(CHARTED):
        scale = _scale(metric)
        for p, policy in enumerate(experiment.policies):
            s = experiment.summary(policy, metric)
            figure.add_trace(
                go.Bar(
                    x=[policy],
                    y=[s.mean * scale],
                    error_y={"type": "data", "array": [_error(s.half_width) * scale]},
                    marker_color=_COLOURS[p % len(_COLOURS)],
                    name=policy,
                    showlegend=k == 0,
                    legendgroup=policy,
                ),
                row=k // cols + 1,
                col=k % cols + 1,
            )
    figure.update_layout(
        title=(
            "Policies compared (mean of replications, 95% CI across days; the paired "
            "difference, far tighter under common random numbers, is in the table and JSON)"
        ),
        height=320 * rows,
    )
    figure.update_annotations(font_size=11)
    return figure


def intraday_figure(experiment: Experiment) -> go.Figure:
    """The first replication hour by hour: contacts, moment-of-truth wait, abandonment."""
    figure = make_subplots(
        rows=3, cols=1, shared_xaxes=True,
        subplot_titles=("contacts per hour", "moment-of-truth wait (s)", "abandonment (%)"),
    )  # fmt: skip
    first = [r for r in experiment.runs if r.replication == 0]
    for p, run in enumerate(first):
        colour = _COLOURS[p % len(_COLOURS)]
        x = list(range(len(run.hourly["hour"])))
        labels = [f"{int(h):02d}:00" for h in run.hourly["hour"]]
        if p == 0:
            figure.add_trace(
                go.Bar(x=x, y=run.hourly["contacts"], name="contacts", marker_color="#999"),
                row=1, col=1,
            )  # fmt: skip
        figure.add_trace(
            go.Scatter(x=x, y=run.hourly["mot_wait_s"], name=run.policy, line_color=colour,
                       legendgroup=run.policy),
            row=2, col=1,
        )  # fmt: skip
        figure.add_trace(
            go.Scatter(x=x, y=[100 * v for v in run.hourly["abandonment"]], name=run.policy,
                       line_color=colour, legendgroup=run.policy, showlegend=False),
            row=3, col=1,
        )  # fmt: skip
        figure.update_xaxes(tickmode="array", tickvals=x[::2], ticktext=labels[::2], row=3, col=1)
    figure.update_layout(title="The day hour by hour (replication 0, same arrivals)", height=800)
    return figure


def sensitivity_figure(rows: list[SensitivityRow], metric: str = "churned") -> go.Figure:
    """The difference in ``metric`` as each assumption moves, with 95% intervals."""
    names = list(dict.fromkeys(r.name for r in rows))
    figure = make_subplots(rows=1, cols=len(names), subplot_titles=names, shared_yaxes=True)
    scale = _scale(metric)
    for k, name in enumerate(names):
        points = [r for r in rows if r.name == name]
        figure.add_trace(
            go.Scatter(
                x=[r.value for r in points],
                y=[r.differences[metric].mean * scale for r in points],
                error_y={
                    "type": "data",
                    "array": [_error(r.differences[metric].half_width) * scale for r in points],
                },
                mode="lines+markers",
                name=name,
                showlegend=False,
            ),
            row=1,
            col=k + 1,
        )
        figure.add_hline(y=0, line_dash="dot", line_color="#888", row=1, col=k + 1)
    label = METRICS[metric][0]
    policy = f"{rows[0].policy} - {rows[0].baseline}" if rows else ""
    figure.update_layout(title=f"Sensitivity: {label}, {policy} (below 0: fewer)", height=420)
    return figure


def write_report(
    path: Path,
    experiment: Experiment,
    sensitivity_rows: list[SensitivityRow] | None = None,
) -> Path:
    """Write every chart into one HTML file that works offline; returns the path."""
    figures = [metrics_figure(experiment), intraday_figure(experiment)]
    if sensitivity_rows:
        figures.append(sensitivity_figure(sensitivity_rows, "churned"))
        figures.append(sensitivity_figure(sensitivity_rows, "mot_resolution"))
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(k == 0)) for k, fig in enumerate(figures)
    ]
    s = experiment.scenario
    heading = html.escape(
        f"Kairos simulation: {s.agents} agents, {s.hours:g} h, "
        f"{len({r.replication for r in experiment.runs})} replications, seed {experiment.seed}"
    )
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{heading}</title></head><body style='font-family:sans-serif'>"
        f"<h1>{heading}</h1>" + "".join(parts) + "</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
