"""Customers, their identities on every channel, their facts and their journey."""
