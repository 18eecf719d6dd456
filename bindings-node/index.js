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

/** True for the error that says events a subscription was owed were trimmed away. */
const isTrimmed = (error) => error?.code === 'TIDINGS_TRIMMED'

function defaultOnError(error, event, pattern) {
  const where = event
    ? `failed while handling ${event.type} ${event.id}`
    : isTrimmed(error)
      ? 'lost events trimmed from their streams and goes on with the oldest kept'
      : 'failed and stopped'
  console.error(`tidings: the subscription to ${JSON.stringify(pattern)} ${where}:`, error)
}

/**
 * A batch from the native side (`[envelopes, cursors]` as JSON text, or `null` at the end) as
 * the event objects every other method returns: `time` a `Date`, `subject` and `metadata`
 * `undefined` when the emitter gave none, `cursor` the resume token, and no CloudEvents
 * bookkeeping members.
 */
function decodeBatch(text) {
  if (text === null || text === undefined) return null
  const [envelopes, cursors] = JSON.parse(text)
  return envelopes.map((event, index) => ({
    id: event.id,
    type: event.type,
    time: new Date(event.time),
    source: event.source,
    subject: event.subject,
    data: event.data,
    metadata: event.metadata,
    version: event.version,
    position: event.position,
    cursor: cursors[index] ?? null,
  }))
}

/**
 * Feeds a subscription's batches to `listener`, one event at a time, until it ends. A trim
 * (`TIDINGS_TRIMMED`) is reported and delivery goes on with the oldest event kept; any other
 * failure is reported and ends it.
 */
async function deliver(subscription, listener, isActive, report) {
  for (;;) {
    let batch
    try {
      batch = decodeBatch(await subscription.nextBatch())
    } catch (error) {
      if (isTrimmed(error)) {
        if (!isActive()) return
        report(error)
        continue
      }
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

const DONE = Object.freeze({ value: undefined, done: true })

/**
 * What `bus.events(pattern)` returns: an async iterable of events that unsubscribes when left.
 *
 * Written by hand rather than as an async generator, because a generator that throws is over:
 * here a `TIDINGS_TRIMMED` rejection of `next()` (events owed were trimmed away) leaves the
 * stream open, and iterating again (or calling `next()`) goes on with the oldest event kept. A
 * `for await` loop ends at that rejection without calling `return()`, so the subscription stays
 * for the next loop. Any other failure ends the stream and unsubscribes.
 */
class EventStream {
  #subscription
  /** The batch being handed out, and where in it. */
  #batch = []
  #index = 0
  #ended = false
  /** The last `next()`: each waits for the one before, as an async generator's do. */
  #previous = Promise.resolve()
  /** How many `next()` calls are waiting their turn. */
  #waiting = 0

  constructor(subscription) {
    this.#subscription = subscription
    /** Resolves once the subscription is established: events emitted after it are delivered. */
    this.ready = quiet(subscription.ready())
  }

  /** The pattern subscribed to. */
  get pattern() {
    return this.#subscription.pattern
  }

  next() {
    // The common case, an event of the batch at hand and no call before it, skips the queue.
    if (this.#waiting === 0 && this.#index < this.#batch.length) return Promise.resolve(this.#handOut())
    this.#waiting++
    const next = this.#previous.then(() => this.#take()).finally(() => this.#waiting--)
    this.#previous = next.catch(ignore)
    return next
  }

  #handOut() {
    const value = this.#batch[this.#index]
    this.#batch[this.#index++] = undefined
    return { value, done: false }
  }

  async #take() {
    while (this.#index >= this.#batch.length) {
      if (this.#ended) return DONE
      let batch
      try {
        batch = decodeBatch(await this.#subscription.nextBatch())
      } catch (error) {
        if (!isTrimmed(error)) this.#end()
        throw error
      }
      if (batch === null) {
        this.#end()
        return DONE
      }
      this.#batch = batch
      this.#index = 0
    }
    return this.#handOut()
  }

  #end() {
    this.#ended = true
    this.#batch = []
    this.#index = 0
    this.#subscription.close()
  }

  return(value) {
    this.#end()
    return Promise.resolve({ value, done: true })
  }

  throw(error) {
    this.#end()
    return Promise.reject(error)
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
   * and reported to `options.onError` (default: `console.error`); delivery goes on. Events
   * owed that were trimmed away are reported there too, as a `TIDINGS_TRIMMED` error with no
   * event, and delivery goes on with the oldest event kept.
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
   * Resolves to a `Response` streaming the events `pattern` selects as Server-Sent Events, for
   * a route handler, once the subscription is established. It resumes from the request's
   * `Last-Event-ID` header or `last_event_id` query parameter (a bad token: a 400 response),
   * sends heartbeats, and unsubscribes when the request is aborted.
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
