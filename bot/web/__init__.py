"""The ASGI app: health, and the routes every channel and feature brings; it knows no
platform.  ``app`` (the factory and lifespan), ``errors`` (clean 4xx answers)."""

__all__ = ["app", "errors"]
