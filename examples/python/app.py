"""A Starlette app with the two endpoints a dashboard needs, on TIDINGS_URL (or memory://):

    POST /emit/{type}        JSON body = the event's data; answers {"id": ...}
    GET  /events?pattern=*   text/event-stream of the events the pattern selects; a browser
                             that reconnects sends Last-Event-ID and resumes where it left off
                             (a page's first connect can pass ?last_event_id= instead)
    GET  /history?pattern=*&limit=20   the newest events as CloudEvents JSON

Run: `uvicorn app:app --port 8000` in examples/python (with `tidings`, `starlette` and
`uvicorn` installed), then `curl -N localhost:8000/events` and, elsewhere,
`curl -d '{"userId": 1}' localhost:8000/emit/user.login`.
"""

import contextlib
import os
from typing import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

import tidings
from tidings.sse import SSE_HEADERS, sse_stream


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    url = os.environ.get("TIDINGS_URL", "memory://")
    async with await tidings.connect(url, source="examples/python/app") as bus:
        app.state.bus = bus
        yield


async def emit(request: Request) -> Response:
    try:
        data = await request.json()
    except ValueError:
        return JSONResponse({"error": "the body must be JSON"}, status_code=400)
    try:
        event_id = await request.app.state.bus.emit(request.path_params["type"], data)
    except (tidings.InvalidTypeError, tidings.InvalidDataError) as error:
        return JSONResponse({"error": str(error), "code": error.name}, status_code=400)
    return JSONResponse({"id": event_id}, status_code=201)


async def events(request: Request) -> Response:
    pattern = request.query_params.get("pattern", "*")
    try:
        # Resumes from the Last-Event-ID header, or from ?last_event_id= on a first connect.
        frames = sse_stream(request.app.state.bus, pattern, request=request)
    except (tidings.InvalidPatternError, tidings.ConfigError) as error:
        return JSONResponse({"error": str(error), "code": error.name}, status_code=400)
    return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)


async def history(request: Request) -> Response:
    pattern = request.query_params.get("pattern", "*")
    try:
        limit = int(request.query_params.get("limit", "20"))
        found = await request.app.state.bus.history(pattern, limit=limit)
    except (ValueError, tidings.InvalidPatternError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse([event.to_dict() for event in found])


app = Starlette(
    routes=[
        Route("/emit/{type}", emit, methods=["POST"]),
        Route("/events", events),
        Route("/history", history),
    ],
    lifespan=lifespan,
)
