"""Agent guidance: playbooks for each kind of moment of truth, and coaching on the agent's words."""
