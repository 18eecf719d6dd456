# Type stubs of the Rust extension `tidings._tidings` (bindings-python/src/). Keep in step with
# the #[pymethods] there; tests/test_stubs.py checks that every public name exists on both sides.

import builtins
import datetime
from os import PathLike
from typing import Any, Awaitable, Callable, ClassVar, Dict, Iterable, List, Mapping, Optional, Tuple, Union

__version__: str

# ---- errors -------------------------------------------------------------------------------

class TidingsError(Exception):
    """Base class of every tidings error; subclasses carry the core's stable code and name."""
    code: ClassVar[int]
    name: ClassVar[str]

class InvalidTypeError(TidingsError, ValueError):
    """An event type that breaks the grammar."""

class InvalidPatternError(TidingsError, ValueError):
    """A pattern that breaks the grammar."""

class InvalidDataError(TidingsError, ValueError):
    """Data that is not JSON, an oversized event, or an unreadable envelope."""

class ConnectionError(TidingsError, builtins.ConnectionError):
    """The backend could not be reached, or the connection dropped."""

class TimeoutError(TidingsError, builtins.TimeoutError):
    """The backend did not answer in time."""

class ClosedError(TidingsError):
    """The bus or subscription was closed (or was made before fork() in a parent process)."""

class BackendError(TidingsError):
    """Redis answered with an error."""

class ConfigError(TidingsError, ValueError):
    """A bad URL, option or position string."""

class InternalError(TidingsError):
    """A bug in tidings."""

class TrimmedError(TidingsError):
    """Events a subscription was owed were trimmed from their streams before it read them.
    Raised by the subscription in their place; iterating again goes on from the oldest event
    kept."""

# ---- values ---------------------------------------------------------------------------------

JSON = Any
"""Anything `json.dumps` accepts, minus NaN and infinities."""

Start = Union[str, datetime.datetime, int, None]
"""Where a subscription starts: None or "live", "start", a position or cursor string, a datetime, or ms."""

HistoryBound = Union[str, datetime.datetime, int, None]
"""A history bound: a position string, a datetime, or milliseconds since the epoch."""

EmitItem = Union[Tuple[str, JSON], Mapping[str, Any]]
"""An `emit_many` item: `(type, data)` or a dict with type, data, subject, metadata, version."""

class Event:
    """One event, read back or just emitted."""
    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def time(self) -> datetime.datetime:
        """Aware, in UTC."""
    @property
    def source(self) -> str: ...
    @property
    def subject(self) -> Optional[str]: ...
    @property
    def data(self) -> JSON: ...
    @property
    def metadata(self) -> Optional[Dict[str, JSON]]: ...
    @property
    def version(self) -> str: ...
    @property
    def position(self) -> Optional[str]:
        """Where the event sits in its stream ("<ms>-<seq>")."""
    @property
    def cursor(self) -> Optional[str]:
        """The resume token for the pattern it was delivered under: pass it as `from_` to
        resume after exactly this event. Equal to `position` for an exact pattern."""
    def to_dict(self) -> Dict[str, JSON]:
        """The CloudEvents envelope with its position, as a dict."""
    def to_json(self) -> str:
        """The CloudEvents envelope with its position, as JSON text."""
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

class RetryPolicy:
    """How failed emits are retried: `attempts` tries in all, waits from `base_delay` doubling to
    `max_delay` seconds, for at most `budget` seconds in all (0: no limit but the attempts)."""
    def __init__(self, attempts: Optional[int] = None, base_delay: Optional[float] = None, max_delay: Optional[float] = None, budget: Optional[float] = None) -> None: ...
    @staticmethod
    def none() -> RetryPolicy: ...
    @property
    def attempts(self) -> int: ...
    @property
    def base_delay(self) -> float: ...
    @property
    def max_delay(self) -> float: ...
    @property
    def budget(self) -> Optional[float]: ...

# ---- subscriptions --------------------------------------------------------------------------

class Subscription:
    """The events of a pattern as an async iterator; close it (or `async with`) when done."""
    @property
    def pattern(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def __aiter__(self) -> Subscription: ...
    def __anext__(self) -> Awaitable[Event]: ...
    def next_batch(self, timeout: Optional[float] = None) -> Awaitable[Optional[List[Event]]]:
        """Every delivered event (at least one), `[]` after `timeout` seconds, None at the end."""
    def close(self) -> None: ...
    def __aenter__(self) -> Awaitable[Subscription]: ...
    def __aexit__(self, *args: object) -> Awaitable[None]: ...
    def _report_handler_error(self, event: Event) -> None: ...

class SyncSubscription:
    """The events of a pattern as a blocking, thread-safe iterator."""
    @property
    def pattern(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def __iter__(self) -> SyncSubscription: ...
    def __next__(self) -> Event: ...
    def next_batch(self, timeout: Optional[float] = None) -> Optional[List[Event]]:
        """Every delivered event (at least one), `[]` after `timeout` seconds, None at the end."""
    def close(self) -> None: ...
    def __enter__(self) -> SyncSubscription: ...
    def __exit__(self, *args: object) -> None: ...
    def _report_handler_error(self, event: Event) -> None: ...

# ---- buses ----------------------------------------------------------------------------------

Callback = Callable[[Event], Union[None, Awaitable[None]]]

class Bus:
    """A connection to the event bus for asyncio code."""
    def __init__(self, bus: Union[Bus, SyncBus]) -> None:
        """Another handle on the same connection (for subclasses)."""
    def emit(
        self,
        type: str,
        data: JSON = None,
        *,
        subject: Optional[str] = None,
        metadata: Optional[Dict[str, JSON]] = None,
        version: Optional[str] = None,
    ) -> Awaitable[str]: ...
    def emit_many(self, events: Iterable[EmitItem]) -> Awaitable[List[str]]: ...
    def history(
        self,
        pattern: str = "*",
        *,
        limit: Optional[int] = None,
        since: HistoryBound = None,
        until: HistoryBound = None,
        order: str = "newest_first",
    ) -> Awaitable[List[Event]]: ...
    def events(self, pattern: str = "*", *, from_: Start = None) -> Subscription: ...
    def subscribe(self, pattern: str, callback: Callback, *, from_: Start = None) -> Callable[[], None]: ...
    def metrics(self) -> Dict[str, Any]: ...
    def prometheus_metrics(self) -> str: ...
    def close(self) -> Awaitable[None]: ...
    @property
    def closed(self) -> bool: ...
    @property
    def source(self) -> str: ...
    def __aenter__(self) -> Awaitable[Bus]: ...
    def __aexit__(self, *args: object) -> Awaitable[None]: ...

class SyncBus:
    """A connection to the event bus for code without an event loop; thread-safe."""
    def __init__(self, bus: Union[Bus, SyncBus]) -> None:
        """Another handle on the same connection (for subclasses)."""
    def emit(
        self,
        type: str,
        data: JSON = None,
        *,
        subject: Optional[str] = None,
        metadata: Optional[Dict[str, JSON]] = None,
        version: Optional[str] = None,
    ) -> str: ...
    def emit_many(self, events: Iterable[EmitItem]) -> List[str]: ...
    def history(
        self,
        pattern: str = "*",
        *,
        limit: Optional[int] = None,
        since: HistoryBound = None,
        until: HistoryBound = None,
        order: str = "newest_first",
    ) -> List[Event]: ...
    def events(self, pattern: str = "*", *, from_: Start = None) -> SyncSubscription: ...
    def subscribe(self, pattern: str, callback: Callable[[Event], None], *, from_: Start = None) -> Callable[[], None]: ...
    def metrics(self) -> Dict[str, Any]: ...
    def prometheus_metrics(self) -> str: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def source(self) -> str: ...
    def __enter__(self) -> SyncBus: ...
    def __exit__(self, *args: object) -> None: ...

# ---- functions ------------------------------------------------------------------------------

def connect(
    url: str = "memory://",
    *,
    namespace: Optional[str] = None,
    source: Optional[str] = None,
    retry: Optional[Union[RetryPolicy, Dict[str, float]]] = None,
    max_event_size: Optional[int] = None,
    connect_timeout: Optional[float] = None,
    response_timeout: Optional[float] = None,
    max_stream_len: Optional[int] = None,
    poll_interval: Optional[float] = None,
    discover_streams: Optional[bool] = None,
    dead_letter_path: Optional[Union[str, PathLike[str]]] = None,
    dead_letter_capacity: Optional[int] = None,
    tls_ca_cert: Optional[Union[str, PathLike[str]]] = None,
    tls_client_cert: Optional[Union[str, PathLike[str]]] = None,
    tls_client_key: Optional[Union[str, PathLike[str]]] = None,
    low_latency: Optional[bool] = None,
) -> Awaitable[Bus]: ...
def connect_sync(
    url: str = "memory://",
    *,
    namespace: Optional[str] = None,
    source: Optional[str] = None,
    retry: Optional[Union[RetryPolicy, Dict[str, float]]] = None,
    max_event_size: Optional[int] = None,
    connect_timeout: Optional[float] = None,
    response_timeout: Optional[float] = None,
    max_stream_len: Optional[int] = None,
    poll_interval: Optional[float] = None,
    discover_streams: Optional[bool] = None,
    dead_letter_path: Optional[Union[str, PathLike[str]]] = None,
    dead_letter_capacity: Optional[int] = None,
    tls_ca_cert: Optional[Union[str, PathLike[str]]] = None,
    tls_client_cert: Optional[Union[str, PathLike[str]]] = None,
    tls_client_key: Optional[Union[str, PathLike[str]]] = None,
    low_latency: Optional[bool] = None,
) -> SyncBus: ...
def _connect_option_names() -> List[str]: ...
def validate_type(type: str) -> None: ...
def validate_pattern(pattern: str) -> None: ...
def pattern_matches(pattern: str, type: str) -> bool: ...
def sse_frame(event: Event, named: bool = True) -> str: ...
def sse_trimmed_frame(message: str, named: bool = True) -> str: ...
def sse_prelude() -> str: ...
def sse_heartbeat() -> str: ...
def _sse_resume_token(header: Optional[str] = None, query: Optional[str] = None) -> Optional[str]: ...

SSE_HEADERS: Dict[str, str]
SSE_HEARTBEAT: float
SSE_TRIMMED_EVENT: str
def _decode_envelope(json: str, position: Optional[str] = None) -> Event: ...
