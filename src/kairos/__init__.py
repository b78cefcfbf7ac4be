"""Kairos: recognise contact-center moments of truth while they happen, and win them."""

__version__ = "0.1.0"
