"""The ASGI app: health, and the routes every channel and feature brings; it knows no
platform.  ``app`` (the factory and lifespan), ``errors`` (clean 4xx answers), ``limits``
(request body size), ``headers`` (security headers), ``server`` (uvicorn with deadlines)."""

__all__ = ["app", "errors", "headers", "limits", "server"]
