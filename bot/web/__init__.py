"""The ASGI app: webhooks, the chat simulator and health checks."""
