"""tidings: events between services over Redis Streams and Pub/Sub.

    bus = await tidings.connect("redis://127.0.0.1:6379/")     # or "memory://"
    unsubscribe = bus.subscribe("user.*", lambda event: print(event.type, event.data))
    await bus.emit("user.login", {"userId": 123})
    async for event in bus.events("order.*", from_="start"): ...
    events = await bus.history("user.*", limit=50)

`tidings.connect_sync(url)` gives the same methods, blocking, for code without an event loop.
Everything here is the Rust core underneath (`tidings._tidings`); see README.md.
"""

from ._tidings import (
    BackendError,
    Bus,
    ClosedError,
    ConfigError,
    ConnectionError,
    Event,
    InternalError,
    InvalidDataError,
    InvalidPatternError,
    InvalidTypeError,
    RetryPolicy,
    Subscription,
    SyncBus,
    SyncSubscription,
    TidingsError,
    TimeoutError,
    TrimmedError,
    __version__,
    _decode_envelope,
    connect,
    connect_sync,
    pattern_matches,
    validate_pattern,
    validate_type,
)

__all__ = [
    "BackendError",
    "Bus",
    "ClosedError",
    "ConfigError",
    "ConnectionError",
    "Event",
    "InternalError",
    "InvalidDataError",
    "InvalidPatternError",
    "InvalidTypeError",
    "RetryPolicy",
    "Subscription",
    "SyncBus",
    "SyncSubscription",
    "TidingsError",
    "TimeoutError",
    "TrimmedError",
    "__version__",
    "connect",
    "connect_sync",
    "pattern_matches",
    "validate_pattern",
    "validate_type",
]
