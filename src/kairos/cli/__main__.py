"""``python -m kairos.cli``: the ``kairos`` command (how the demo and the worker pool start it)."""

from kairos.cli import app

app()
