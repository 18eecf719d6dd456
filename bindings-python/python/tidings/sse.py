"""Server-Sent Events for browsers: turns a pattern subscription into `text/event-stream`
frames. The core frames every byte (the event's cursor as the SSE `id`, its type as `event`
unless `named=False`, the envelope as `data`), defines the headers and the heartbeat, and
decides where a reconnecting browser resumes: from its `Last-Event-ID` header, or from the
`last_event_id` query parameter a page sets on its first connect (the header wins).

    from starlette.responses import PlainTextResponse, StreamingResponse
    from tidings import ConfigError
    from tidings.sse import SSE_HEADERS, sse_stream

    async def events(request):
        try:
            frames = sse_stream(bus, "user.*", request=request)
        except ConfigError as error:  # a resume token this server never sent
            return PlainTextResponse(str(error), status_code=400)
        return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Optional

from ._tidings import (
    SSE_HEADERS,
    SSE_HEARTBEAT,
    SSE_TRIMMED_EVENT,
    Bus,
    Subscription,
    TrimmedError,
    _sse_resume_token,
    sse_frame,
    sse_heartbeat,
    sse_prelude,
    sse_trimmed_frame,
)

__all__ = [
    "SSE_HEADERS",
    "SSE_HEARTBEAT",
    "SSE_TRIMMED_EVENT",
    "resume_token",
    "sse_frame",
    "sse_heartbeat",
    "sse_prelude",
    "sse_stream",
    "sse_trimmed_frame",
]


def resume_token(request: Any = None, *, last_event_id: Optional[str] = None, query: Optional[str] = None) -> Optional[str]:
    """The token a request resumes from: its `Last-Event-ID` header, else its `last_event_id`
    query parameter. `request` is anything with `headers.get` and `query_params.get`
    (Starlette, FastAPI); `last_event_id` and `query` give the two values directly."""
    if request is not None:
        last_event_id = request.headers.get("last-event-id", last_event_id)
        query = request.query_params.get("last_event_id", query)
    return _sse_resume_token(last_event_id, query)


def sse_stream(
    bus: Bus,
    pattern: str = "*",
    *,
    request: Any = None,
    last_event_id: Optional[str] = None,
    query: Optional[str] = None,
    heartbeat: float = SSE_HEARTBEAT,
    named: bool = True,
) -> AsyncIterator[str]:
    """The frames of the events `pattern` selects: live, or after the request's resume token
    (see `resume_token`) then live, with a heartbeat comment every `heartbeat` idle seconds.
    Frames are named by the event's type unless `named=False` (then `EventSource.onmessage`
    fires for each). Subscribes at once, so a bad token raises `ConfigError` here, before any
    response starts: answer 400. A resume past events that were trimmed away gets a
    `tidings:trimmed` frame (see `SSE_TRIMMED_EVENT`), then the oldest event kept."""
    token = resume_token(request, last_event_id=last_event_id, query=query)
    subscription = bus.events(pattern, from_=token)
    return _frames(subscription, heartbeat, named)


async def _frames(subscription: Subscription, heartbeat: float, named: bool) -> AsyncIterator[str]:
    try:
        yield sse_prelude()
        while True:
            try:
                batch = await subscription.next_batch(timeout=heartbeat)
            except TrimmedError as trimmed:
                yield sse_trimmed_frame(str(trimmed), named)
                continue
            if batch is None:
                return
            if not batch:
                yield sse_heartbeat()
            for event in batch:
                yield sse_frame(event, named)
    finally:
        subscription.close()
