"""API tokens, agent scoping of the JSON API, rate limits and the audit log."""
