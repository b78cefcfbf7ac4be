"""Where the page tests put their screenshots."""

from __future__ import annotations

import os
from pathlib import Path

#: The manual's screenshots are retaken with KAIROS_UPDATE_FIGURES=1; otherwise they go with the
#: other test artifacts, so a test run leaves the tree as it was.
FIGURES = (
    Path(__file__).resolve().parents[2] / "docs" / "figures"
    if os.environ.get("KAIROS_UPDATE_FIGURES")
    else Path(__file__).resolve().parents[1] / "artifacts"
)
