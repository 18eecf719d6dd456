'use strict'
// tidings for Node.js: the public API over the native addon (src/). This file adapts the core
// to Node's ways (listeners, async iterators, web streams); the native side converts every
// argument and maps every error, and the Rust core decides everything else.

const native = require('./lib/native.js')
const { sseResponse } = require('./lib/sse.js')

/** Every `err.code` a tidings error can carry, in the core's code order. */
const errorCodes = Object.freeze(native.errorCodes())

/** The version of tidings (the native addon's, which package.json's must equal). */
const version = native.version()

const ignore = () => {}

/** A promise that never causes an unhandled-rejection crash, yet still rejects for whoever awaits it. */
function quiet(promise) {
  promise.catch(ignore)
  return promise
}

/** Node's error for an argument of the wrong JavaScript type (not a tidings error: a programming one). */
function argumentTypeError(message) {
  const error = new TypeError(message)
  error.code = 'ERR_INVALID_ARG_TYPE'
  return error
}

/** Splits the listener-only `onError` from the options the core reads. */
function takeOnError(options) {
  if (options === null || typeof options !== 'object' || !('onError' in options)) return [options, undefined]
  const { onError, ...rest } = options
  if (onError !== undefined && typeof onError !== 'function') {
    throw argumentTypeError('subscribe options.onError must be a function')
  }
  return [rest, onError]
}

function defaultOnError(error, event, pattern) {
  const where = event ? `while handling ${event.type} ${event.id}` : 'and stopped'
  console.error(`tidings: the subscription to ${JSON.stringify(pattern)} failed ${where}:`, error)
}

/**
 * A batch from the native side (a JSON array of event envelopes, or `null` at the end) as the
 * event objects every other method returns: `time` a `Date`, `subject` and `metadata`
 * `undefined` when the emitter gave none, and no CloudEvents bookkeeping members.
 */
function decodeBatch(text) {
  if (text === null || text === undefined) return null
  return JSON.parse(text).map((event) => ({
    id: event.id,
    type: event.type,
    time: new Date(event.time),
    source: event.source,
    subject: event.subject,
    data: event.data,
    metadata: event.metadata,
    version: event.version,
    position: event.position,
  }))
}

/** Feeds a subscription's batches to `listener`, one event at a time, until it ends. */
async function deliver(subscription, listener, isActive, report) {
  for (;;) {
    let batch
    try {
      batch = decodeBatch(await subscription.nextBatch())
    } catch (error) {
      if (error?.code !== 'TIDINGS_CLOSED') report(error)
      return
    }
    if (batch === null) return
    for (const event of batch) {
      if (!isActive()) return
      try {
        const outcome = listener(event)
        if (typeof outcome?.then === 'function') await outcome
      } catch (error) {
        report(error, event)
      }
    }
  }
}

/** The events of a subscription as an async iterator; see `Bus.events`. */
async function* iterate(subscription) {
  try {
    for (;;) {
      const batch = decodeBatch(await subscription.nextBatch())
      if (batch === null) return
      yield* batch
    }
  } finally {
    subscription.close()
  }
}

/** What `bus.events(pattern)` returns: an async iterable of events that unsubscribes when left. */
class EventStream {
  #subscription
  #events

  constructor(subscription) {
    this.#subscription = subscription
    this.#events = iterate(subscription)
    /** Resolves once the subscription is established: events emitted after it are delivered. */
    this.ready = quiet(subscription.ready())
  }

  /** The pattern subscribed to. */
  get pattern() {
    return this.#subscription.pattern
  }

  next() {
    return this.#events.next()
  }

  return(value) {
    this.#subscription.close()
    return this.#events.return(value)
  }

  throw(error) {
    this.#subscription.close()
    return this.#events.throw(error)
  }

  /** Unsubscribes; a pending `next()` then finishes the iteration. */
  close() {
    this.#subscription.close()
  }

  [Symbol.asyncIterator]() {
    return this
  }
}

/** A connection to the event bus. Get one with `connect()`. */
class Bus {
  #native
  #emit

  constructor(nativeBus) {
    if (!(nativeBus instanceof native.NativeBus)) {
      throw argumentTypeError('use `await connect(url, options)` to get a Bus')
    }
    this.#native = nativeBus
    this.#emit = nativeBus.emitter()
  }

  /** Emits an event; resolves to its id. */
  emit(type, data, options) {
    // The JSON text is made here, where JSON.stringify costs least to call. Data it cannot write
    // (it throws, or gives no text) goes over as it is, and the native side names the problem.
    let text
    try {
      text = JSON.stringify(data)
    } catch {
      text = undefined
    }
    return this.#emit(type, data, options, text)
  }

  /** Emits an event; resolves to the whole event, position included. */
  emitEvent(type, data, options) {
    return this.#native.emitEvent(type, data, options)
  }

  /** Emits many events (`[{ type, data, subject, metadata, version }]`); resolves to their ids. */
  emitMany(events) {
    return this.#native.emitMany(events)
  }

  /**
   * Calls `listener` with every event `pattern` selects, live from now (or `options.from`),
   * a batch at a time and in order; a listener that returns a promise is awaited before the
   * next event. A listener that throws is counted (`metrics().types[type].handler_errors`)
   * and reported to `options.onError` (default: `console.error`); delivery goes on.
   * Returns `unsubscribe()`, whose `ready` promise resolves once the subscription is established.
   */
  subscribe(pattern, listener, options) {
    if (typeof listener !== 'function') {
      throw argumentTypeError('bus.subscribe(pattern, listener): listener must be a function')
    }
    const [subscribeOptions, onError = defaultOnError] = takeOnError(options)
    const subscription = this.#native.subscribe(pattern, subscribeOptions)
    const nativeBus = this.#native
    let active = true
    const report = (error, event) => {
      if (event) nativeBus.reportHandlerError(event.type)
      try {
        onError(error, event, pattern)
      } catch (secondError) {
        defaultOnError(secondError, event, pattern)
      }
    }
    deliver(subscription, listener, () => active, report)
    const unsubscribe = () => {
      active = false
      subscription.close()
    }
    unsubscribe.ready = quiet(subscription.ready())
    return unsubscribe
  }

  /**
   * The events `pattern` selects as an async iterable: `for await (const event of
   * bus.events('user.*', { from: 'start' }))`. Leaving the loop unsubscribes.
   */
  events(pattern, options) {
    return new EventStream(this.#native.subscribe(pattern, options))
  }

  /** The events `pattern` selects within `{ limit, since, until, order }`. */
  history(pattern, options) {
    return this.#native.history(pattern, options)
  }

  /**
   * A `Response` streaming the events `pattern` selects as Server-Sent Events, for a route
   * handler. It resumes from the request's `Last-Event-ID`, sends heartbeats, and unsubscribes
   * when the request is aborted.
   */
  sseResponse(request, pattern, options) {
    return sseResponse(this.#native, request, pattern, options)
  }

  /** Counters and latency histograms per event type. */
  metrics() {
    return this.#native.metrics()
  }

  /** The same figures in the Prometheus text format. */
  prometheusMetrics() {
    return this.#native.prometheusMetrics()
  }

  /** Closes the bus: subscriptions end, later calls fail with `TIDINGS_CLOSED`. */
  close() {
    return this.#native.close()
  }

  /** True once `close()` was called. */
  get closed() {
    return this.#native.isClosed
  }

  /** The CloudEvents `source` stamped on emitted events. */
  get source() {
    return this.#native.source
  }
}

/** Connects to `url` (`memory://` by default; `redis://…`, `rediss://…`). */
function connect(url, options) {
  return native.connect(url, options).then((nativeBus) => new Bus(nativeBus))
}

module.exports = {
  connect,
  Bus,
  EventStream,
  errorCodes,
  version,
  _decodeEnvelope: native._decodeEnvelope,
}
