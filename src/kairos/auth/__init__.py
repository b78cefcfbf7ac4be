"""Users, roles and teams for the pages; signed-cookie sessions and CSRF tokens."""
