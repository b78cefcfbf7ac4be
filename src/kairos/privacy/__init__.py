"""Personal data: a customer's erasure on request, and retention (the purge of old records)."""
