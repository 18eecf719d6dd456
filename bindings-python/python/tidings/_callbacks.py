"""Callback delivery for `Bus.subscribe` (on the event loop) and `SyncBus.subscribe` (on a
thread): take events from a subscription in order and call the callback with each. A callback
that raises is counted by the core and logged; the next event is still delivered. A
`TrimmedError` (events owed were trimmed away) is logged as a warning, and delivery goes on from
the oldest event kept (the core counts it in `subscriptions_trimmed`)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from typing import Any, Callable, Union

from ._tidings import Event, Subscription, SyncSubscription, TrimmedError

logger = logging.getLogger("tidings")

Unsubscribe = Callable[[], None]


def _report(subscription: Union[Subscription, SyncSubscription], event: Event, error: BaseException) -> None:
    subscription._report_handler_error(event)
    logger.error(
        "tidings: the callback subscribed to %r raised on %r", subscription.pattern, event, exc_info=error
    )


def _trimmed(subscription: Union[Subscription, SyncSubscription], error: TrimmedError) -> None:
    logger.warning("tidings: the callback subscribed to %r missed events: %s", subscription.pattern, error)


async def _deliver(subscription: Subscription, callback: Callable[[Event], Any]) -> None:
    while True:
        try:
            batch = await subscription.next_batch()
        except TrimmedError as error:
            _trimmed(subscription, error)
            continue
        if batch is None:
            return
        for event in batch:
            if subscription.closed:
                return
            try:
                result = callback(event)
                if inspect.isawaitable(result):
                    await result
            except Exception as error:  # noqa: BLE001 - any callback failure is reported
                _report(subscription, event, error)


def deliver_on_loop(
    loop: asyncio.AbstractEventLoop, subscription: Subscription, callback: Callable[[Event], Any]
) -> Unsubscribe:
    """Runs the delivery as a task of `loop`; returns `unsubscribe()` (callable from any thread)."""
    task = loop.create_task(_deliver(subscription, callback))

    def unsubscribe() -> None:
        subscription.close()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            task.cancel()
        elif not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)

    return unsubscribe


def deliver_on_thread(subscription: SyncSubscription, callback: Callable[[Event], Any]) -> Unsubscribe:
    """Runs the delivery on a daemon thread; returns `unsubscribe()`, which waits for a callback
    in progress to return (unless called from the callback itself)."""

    def run() -> None:
        while True:
            try:
                batch = subscription.next_batch()
            except TrimmedError as error:
                _trimmed(subscription, error)
                continue
            if batch is None:
                return
            for event in batch:
                if subscription.closed:
                    return
                try:
                    result = callback(event)
                    if inspect.iscoroutine(result):
                        result.close()
                        raise TypeError("SyncBus.subscribe takes plain callbacks; use tidings.Bus for async ones")
                except Exception as error:  # noqa: BLE001 - any callback failure is reported
                    _report(subscription, event, error)

    thread = threading.Thread(target=run, name=f"tidings {subscription.pattern}", daemon=True)
    thread.start()

    def unsubscribe() -> None:
        subscription.close()
        if threading.current_thread() is not thread:
            thread.join()

    return unsubscribe
