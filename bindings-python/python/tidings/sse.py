"""Server-Sent Events for browsers: turns a pattern subscription into `text/event-stream`
frames (framed by the core: position as the SSE `id`, type as `event`, envelope as `data`),
resuming after a browser's `Last-Event-ID`.

    from starlette.responses import StreamingResponse
    from tidings.sse import SSE_HEADERS, sse_stream

    async def events(request):
        frames = sse_stream(bus, "user.*", last_event_id=request.headers.get("last-event-id"))
        return StreamingResponse(frames, media_type="text/event-stream", headers=SSE_HEADERS)
"""

from __future__ import annotations

from typing import AsyncIterator, Optional

from ._tidings import Bus, Subscription, sse_frame, sse_heartbeat, sse_prelude

__all__ = ["SSE_HEADERS", "sse_frame", "sse_heartbeat", "sse_prelude", "sse_stream"]

#: Response headers an SSE endpoint sends besides `Content-Type: text/event-stream`.
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def sse_stream(
    bus: Bus, pattern: str = "*", *, last_event_id: Optional[str] = None, heartbeat: float = 15.0
) -> AsyncIterator[str]:
    """The frames of the events `pattern` selects: live, or replayed after `last_event_id` (a
    position) then live, with a heartbeat comment every `heartbeat` idle seconds. Subscribes
    at once, so a bad `last_event_id` raises `ConfigError` here, before any response starts."""
    subscription = bus.events(pattern, from_=last_event_id or None)
    return _frames(subscription, heartbeat)


async def _frames(subscription: Subscription, heartbeat: float) -> AsyncIterator[str]:
    try:
        yield sse_prelude()
        while True:
            batch = await subscription.next_batch(timeout=heartbeat)
            if batch is None:
                return
            if not batch:
                yield sse_heartbeat()
            for event in batch:
                yield sse_frame(event)
    finally:
        subscription.close()
