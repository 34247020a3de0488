"""ASGI entry point for uvicorn workers: ``uvicorn web.main:app``."""

from web.app import create_app

app = create_app()
