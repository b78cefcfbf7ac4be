"""Interactions, event ingestion and the timeline."""
