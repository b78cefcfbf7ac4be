"""Queues, agents, routing policies and decisions."""
