"""The plan as a chart: contacts per cube cell, and agents needed, per interval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kairos.planning.schemas import Plan


def interval_labels(plan: Plan) -> list[str]:
    """Each interval's local start; with the zone's abbreviation on a day the clocks change."""
    clock = "%H:%M" if len(plan.intervals) * plan.interval_minutes == 1440 else "%H:%M %Z"
    return [i.start.strftime(clock) for i in plan.intervals]


def plan_figure(plan: Plan) -> Any:
    """A Plotly figure: stacked contacts per cube cell above, agents per model below."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    labels = interval_labels(plan)
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(
            f"forecast contacts per cube cell ({plan.interval_minutes}-minute intervals)",
            "agents to schedule",
        ),
    )
    # The plan holds all eight cells (a fixed grid for WFM tools); a quiet one has no bar to name.
    for cube, values in ((c, v) for c, v in plan.cells.items() if any(v)):
        figure.add_trace(go.Bar(x=labels, y=values, name=cube, legendgroup="cells"), row=1, col=1)
    figure.add_trace(
        go.Scatter(
            x=labels,
            y=[i.mot_contacts for i in plan.intervals],
            name="moments of truth",
            mode="lines",
            line={"color": "black", "dash": "dot"},
        ),
        row=1,
        col=1,
    )
    lines = (
        ("Erlang C", "agents_erlang_c"),
        (f"Erlang A (patience {plan.patience_seconds:g} s)", "agents_erlang_a"),
        ("MoT-certified", "certified_agents"),
    )
    for name, attribute in lines:
        figure.add_trace(
            go.Scatter(
                x=labels,
                y=[getattr(i, attribute) for i in plan.intervals],
                name=name,
                mode="lines",
                line={"shape": "hv"},
            ),
            row=2,
            col=1,
        )
    busy = [c.channel for c in plan.intervals[0].channels] if plan.intervals else []
    # Targets of the channels with contacts forecast: five in full overflow the title.
    busy = [ch for ch in busy if any(c.contacts for i in plan.intervals for c in i.channels
                                     if c.channel == ch)] or busy  # fmt: skip
    targets = "; ".join(f"{ch} {plan.targets[ch].describe()}" for ch in busy if ch in plan.targets)
    figure.update_layout(
        barmode="stack",
        title=(f"Kairos plan for {plan.day.isoformat()} ({plan.timezone})<br><sup>{targets}</sup>"),
        height=800,
        legend={"orientation": "h", "y": -0.08},
    )
    # One category per interval, in the plan's order: a date axis would put both 01:00 of a day
    # the clocks go back on one spot (Plotly draws dates on the wall clock, offsets dropped).
    figure.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    figure.update_yaxes(title_text="contacts", row=1, col=1)
    figure.update_yaxes(title_text="agents", row=2, col=1)
    return figure


def write_chart(plan: Plan, path: Path) -> None:
    """Write the chart as one self-contained HTML file (Plotly's JavaScript inside, no CDN)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plan_figure(plan).write_html(str(path), include_plotlyjs=True, full_html=True)
