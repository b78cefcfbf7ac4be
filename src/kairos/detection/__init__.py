"""The moment-of-truth detector: a library with no web or database imports."""

from kairos.detection.assessment import HIGH, STAKES, Assessment, Cue, Journey, cube_cell

__all__ = ["HIGH", "STAKES", "Assessment", "Cue", "Journey", "cube_cell"]
