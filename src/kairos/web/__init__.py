"""The pages: the agent desktop and the supervisor wallboard, server-rendered and live (SSE)."""
