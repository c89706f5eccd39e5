"""The API's routers. Every route reads the index through `served_engine(request)`: the
engine pinned to the version served when the request started, so a request reads one index
version from start to end whatever `tracuu add`/`remove` commits meanwhile (issue 24). Only
the update routes (updates.py) use the engine itself, to switch it to their new version."""
from __future__ import annotations

from fastapi import Request


def served_engine(request: Request):
    """This request's engine, pinned on first use and the same for the rest of the request."""
    engine = getattr(request.state, "engine", None)
    if engine is None:
        engine = request.state.engine = request.app.state.engine.pinned()
    return engine
