"""Reads the history of one event type through the Python binding and prints each event's fields
(as that binding hands them out) as one line of JSON, for the C cross-language test.

Usage: python read_history.py <url> <type>
"""

import asyncio
import json
import sys
from datetime import datetime, timedelta, timezone

import tidings

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


async def main(url: str, event_type: str) -> None:
    bus = await tidings.connect(url)
    try:
        events = await bus.history(event_type, limit=1000)
        for event in events:
            fields = {
                "id": event.id,
                "type": event.type,
                "source": event.source,
                "time_ms": (event.time - EPOCH) // timedelta(milliseconds=1),
                "subject": event.subject,
                "version": event.version,
                "metadata": event.metadata,
                "data": event.data,
                "position": event.position,
            }
            print(json.dumps(fields, ensure_ascii=False))
    finally:
        await bus.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
