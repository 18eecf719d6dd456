"""A small program to copy: connect, subscribe to `user.*`, emit a few events, read history.
Uses TIDINGS_URL (e.g. redis://127.0.0.1:6390/) and falls back to the embedded memory://
backend when it is not set. `make demo` runs it next to the other languages' demos."""

import asyncio
import os

import tidings


async def main() -> None:
    url = os.environ.get("TIDINGS_URL", "memory://")
    if url.startswith("memory://"):
        print("[python] no TIDINGS_URL: using the embedded memory:// backend")
    else:
        print(f"[python] connecting to {url}")
    async with await tidings.connect(url, source="examples/python") as bus:
        # Subscribe before emitting: a live subscription sees what is emitted after it starts.
        received = []
        all_three = asyncio.get_running_loop().create_future()

        def on_user_event(event: tidings.Event) -> None:
            print(f"[python] live  {event.type:<16} position {event.position} data {event.data}")
            received.append(event)
            if len(received) == 3:
                all_three.set_result(None)

        unsubscribe = bus.subscribe("user.*", on_user_event)

        await bus.emit("user.registered", {"userId": 123, "email": "ada@example.com"})
        await bus.emit("user.login", {"userId": 123, "device": "iPhone 14"}, subject="user-123", metadata={"ip": "192.168.1.1"})
        await bus.emit("order.placed", {"orderId": 9, "total": 42.5})
        last = await bus.emit("user.logout", {"userId": 123})
        print(f"[python] emitted 4 events; the last id is {last}")

        # `user.*` selects three of the four; the order event is not delivered here.
        await asyncio.wait_for(all_three, timeout=30)
        unsubscribe()

        history = await bus.history("*", limit=10)
        print(f"[python] history of '*' (newest first): {len(history)} events")
        for event in history:
            print(f"[python]   {event.type:<16} from {event.source:<16} {event.data}")
        emitted = sum(figures["emitted"] for figures in bus.metrics()["types"].values())
        print(f"[python] metrics: {emitted} events emitted by this process")


if __name__ == "__main__":
    asyncio.run(main())
