"""The plan as a chart: contacts per cube cell, and agents needed, per interval."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from kairos.planning.schemas import Plan


def plan_figure(plan: Plan) -> Any:
    """A Plotly figure: stacked contacts per cube cell above, agents per model below."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    starts = [i.start for i in plan.intervals]
    # Bars span their interval; the agent lines step at each interval's start.
    middles = [s + timedelta(minutes=plan.interval_minutes / 2) for s in starts]
    width = plan.interval_minutes * 60_000 * 0.9  # milliseconds on a date axis
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
    for cube, values in plan.cells.items():
        figure.add_trace(
            go.Bar(x=middles, y=values, width=width, name=cube, legendgroup="cells"), row=1, col=1
        )
    figure.add_trace(
        go.Scatter(
            x=middles,
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
                x=starts,
                y=[getattr(i, attribute) for i in plan.intervals],
                name=name,
                mode="lines",
                line={"shape": "hv"},
            ),
            row=2,
            col=1,
        )
    target = plan.target
    figure.update_layout(
        barmode="stack",
        title=(
            f"Kairos plan for {plan.day.isoformat()} ({plan.timezone}): "
            f"{target.service_level:.0%} in {target.answer_seconds:g} s, "
            f"shrinkage {target.shrinkage:.0%}"
        ),
        height=800,
        legend={"orientation": "h", "y": -0.08},
    )
    figure.update_yaxes(title_text="contacts", row=1, col=1)
    figure.update_yaxes(title_text="agents", row=2, col=1)
    return figure


def write_chart(plan: Plan, path: Path) -> None:
    """Write the chart as one self-contained HTML file (Plotly's JavaScript inside, no CDN)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plan_figure(plan).write_html(str(path), include_plotlyjs=True, full_html=True)
