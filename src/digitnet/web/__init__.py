"""The web page and API behind ``digitnet serve``: draw a digit and watch the network think.

:func:`create_app` builds the FastAPI application (see :mod:`digitnet.web.app` for its
endpoints); :func:`serve` runs it with uvicorn. The page itself is plain HTML, CSS and
JavaScript in ``static/``, served by the app, with nothing fetched from elsewhere.
"""

from __future__ import annotations

from .run import serve
from .app import create_app

__all__ = ["create_app", "serve"]
