"""Key messages: a supervisor's live notice about an outage or incident, shown on every matching
interaction."""
