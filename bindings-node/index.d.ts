// Types of the tidings package (`require('tidings')`, `import { connect } from 'tidings'`).
// Written by hand and checked by test/types.test.mjs: every runtime export is declared here,
// and test/types/usage.ts, which uses every declaration, compiles under `tsc --strict`.

/** Any JSON value: what `data` and `metadata` carry. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** Every `code` a tidings error carries: the core's error kinds, shared by every binding. */
export type ErrorCode =
  | 'TIDINGS_INVALID_TYPE'
  | 'TIDINGS_INVALID_PATTERN'
  | 'TIDINGS_INVALID_DATA'
  | 'TIDINGS_CONNECTION'
  | 'TIDINGS_TIMEOUT'
  | 'TIDINGS_CLOSED'
  | 'TIDINGS_BACKEND'
  | 'TIDINGS_CONFIG'
  | 'TIDINGS_INTERNAL'
  | 'TIDINGS_TRIMMED'

/**
 * The error every tidings call throws or rejects with: an `Error` with a stable `code`.
 * `TIDINGS_TRIMMED` is the one that ends nothing: events a subscription was owed were trimmed
 * from their streams, and delivery goes on with the oldest event kept.
 */
export interface TidingsError extends Error {
  code: ErrorCode
}

/** The error codes, in the core's code order (1 to 10). */
export declare const errorCodes: readonly ErrorCode[]

/** The version of tidings, such as `0.1.0` (the same as `package.json`'s). */
export declare const version: string

/** One event, as delivered to subscribers and returned by `history`. */
export interface Event<Data = JsonValue> {
  /** Unique and time-ordered (UUIDv7 for events tidings emits). */
  id: string
  /** What happened: `user.login`. */
  type: string
  /** When it happened, by the emitter's clock (millisecond precision). */
  time: Date
  /** Who emitted it (CloudEvents `source`; `connect`'s `source` option). */
  source: string
  /** What it is about, when the emitter said. */
  subject?: string
  /** The payload, as `JSON.parse` reads it. */
  data: Data
  /** Free-form context (ip, user agent, trace ids), when the emitter gave any. */
  metadata?: { [key: string]: JsonValue }
  /** The version of the event's schema (`'1'` unless the emitter said). */
  version: string
  /** Where the event sits in its stream (`'1723890600125-0'`). */
  position: string
  /**
   * The exact resume token for the pattern the event was delivered under: pass it as `from`
   * (or send it back as an SSE `Last-Event-ID`) to resume after exactly this event. The
   * position for an exact pattern, `'<ms>-<seq>:<type>:<check>'` for a pattern with `*`;
   * `null` for an event no subscription or history delivered (`emitEvent`'s).
   */
  cursor: string | null
}

/** How failed emits are retried: exponential backoff with jitter, within a time budget. */
export interface RetryOptions {
  /** Tries in all, the first included (default 30; 1 means no retry). */
  attempts?: number
  /** The wait before the first retry, in ms (default 10); doubles each retry. */
  baseDelayMs?: number
  /** The longest wait between two tries, in ms (default 1000). */
  maxDelayMs?: number
  /** How long an emit may keep retrying from its first try, in ms (default 10000; 0: no
   *  limit but `attempts`). */
  budgetMs?: number
}

/** Options of `connect` (the core's one schema; docs/options.md has the table). */
export interface ConnectOptions {
  /** Prefixes every key and channel with `<namespace>:` (none by default). */
  namespace?: string
  /** The CloudEvents `source` of emitted events (default `'tidings'`). */
  source?: string
  /** How failed emits are retried. */
  retry?: RetryOptions
  /** The largest JSON envelope accepted, in bytes (default 1 MiB). */
  maxEventSize?: number
  /** How long connecting may take, in ms (default 5000). */
  connectTimeoutMs?: number
  /** How long one Redis command may take, in ms (default 5000). */
  responseTimeoutMs?: number
  /** Trims each stream to about this many entries (default: keep everything). */
  maxStreamLen?: number
  /** How often live subscriptions also look at their streams, in ms (default 1000; 0: never). */
  pollIntervalMs?: number
  /** Also find streams written by other code (a keyspace scan per wildcard; default false). */
  discoverStreams?: boolean
  /** Also keep dead letters in this JSON-lines file, read back on connect. */
  deadLetterPath?: string
  /** How many dead letters are kept in memory (default 10000). */
  deadLetterCapacity?: number
  /** For `rediss://`: trust the CA certificates in this PEM file (default: the system's). */
  tlsCaCert?: string
  /** For `rediss://` with mutual TLS: the client's PEM certificate (with `tlsClientKey`). */
  tlsClientCert?: string
  /** For `rediss://` with mutual TLS: the client's PEM private key (with `tlsClientCert`). */
  tlsClientKey?: string
  /** Spend CPU on the runtime's thread (it polls and stays up between emits) to cut the
   *  latency of emits awaited one at a time (default false). */
  lowLatency?: boolean
}

/** Options of `emit`. */
export interface EmitOptions {
  /** CloudEvents `subject`: what the event is about (`'user-123'`). */
  subject?: string
  /** Free-form context carried beside the data. */
  metadata?: { [key: string]: unknown }
  /** The schema version of the data (default `'1'`). */
  version?: string
}

/** One event of `emitMany`. */
export interface EmitRequest extends EmitOptions {
  type: string
  /** Any value `JSON.stringify` accepts (`null` for no data). */
  data: unknown
}

/**
 * Where a subscription starts: `'live'` (the default: only what is emitted after it is
 * established), `'start'` (everything the streams hold), a cursor (`event.cursor`, from a
 * subscription of the same pattern: resume after exactly that event) or a position, or a time
 * (`Date` or ms since the epoch: what was appended from then on).
 */
export type From = 'live' | 'start' | string | Date | number

/** Options of `events` (and of `subscribe`, with `onError`). */
export interface EventsOptions {
  /** Where to start (default `'live'`); replay then follows live with no gap and no duplicate. */
  from?: From
  /** The most events read and handed over at once (default 512). */
  batchSize?: number
}

/** Options of `subscribe`. */
export interface SubscribeOptions extends EventsOptions {
  /**
   * Called when the listener throws or its promise rejects (`event` set; the error is also
   * counted in `metrics()`), when events the subscription was owed were trimmed away (a
   * `TIDINGS_TRIMMED` error, `event` undefined; delivery goes on with the oldest event kept),
   * or when the subscription fails and stops (any other code, `event` undefined). Default:
   * `console.error`.
   */
  onError?: (error: unknown, event: Event | undefined, pattern: string) => void
}

/** Options of `history`. */
export interface HistoryOptions {
  /** The most events returned (default 100). */
  limit?: number
  /** Only events appended at or after this time, or after this position. */
  since?: Date | number | string
  /** Only events appended before this time, or before this position. */
  until?: Date | number | string
  /** `'newest_first'` (the default: the newest `limit`) or `'oldest_first'`. */
  order?: 'newest_first' | 'oldest_first'
}

/** Options of `sseResponse`. */
export interface SseOptions {
  /** Milliseconds of quiet after which a heartbeat comment is sent (default 15000, the core's). */
  heartbeatMs?: number
  /**
   * `true` (the default): each frame's SSE `event:` is the event type
   * (`source.addEventListener(type, …)`); `false`: frames carry no `event:` line, so
   * `source.onmessage` gets them all (a trim then comes as data with `type: 'tidings:trimmed'`).
   */
  named?: boolean
  /** Where a client without `Last-Event-ID` or `?last_event_id=` starts (default `'live'`). */
  from?: From
  /** Extra response headers. */
  headers?: Record<string, string>
}

/** What `subscribe` returns: call it to unsubscribe. */
export interface Unsubscribe {
  (): void
  /** Resolves once the subscription is established; rejects if it could not be. */
  readonly ready: Promise<void>
}

/** A latency histogram: `counts[i]` observations fell at or under bucket bound `i`. */
export interface Histogram {
  counts: number[]
  /** Sum of the observations, in seconds. */
  sum: number
  count: number
}

/** The figures of one event type. */
export interface TypeMetrics {
  emitted: number
  delivered: number
  retried: number
  dead_lettered: number
  failed: number
  /** Listeners that threw or rejected. */
  handler_errors: number
  emit_latency: Histogram
  delivery_latency: Histogram
}

/** `bus.metrics()`: the core's snapshot, the same in every binding. */
export interface Metrics {
  types: { [type: string]: TypeMetrics }
  invalid_entries: number
  reconnects: number
  dead_letters_dropped: number
  /** Subscribers that left more unread than their buffer holds and caught up from the streams. */
  subscribers_lagged: number
  /** Subscriptions told that events they were owed had been trimmed away. */
  subscriptions_trimmed: number
}

/**
 * The events of a subscription as an async iterable; leaving a `for await` loop unsubscribes.
 * `next()` rejects with a `TIDINGS_TRIMMED` error where events owed were trimmed away: that
 * ends a `for await` loop but not the stream, and iterating again goes on with the oldest event
 * kept. Any other error ends the stream.
 */
export declare class EventStream<Data = JsonValue> implements AsyncIterableIterator<Event<Data>> {
  private constructor()
  /** Resolves once the subscription is established; rejects if it could not be. */
  readonly ready: Promise<void>
  /** The pattern subscribed to. */
  readonly pattern: string
  next(): Promise<IteratorResult<Event<Data>, undefined>>
  return(value?: unknown): Promise<IteratorResult<Event<Data>, undefined>>
  throw(error?: unknown): Promise<IteratorResult<Event<Data>, undefined>>
  /** Unsubscribes; the iteration then ends. */
  close(): void
  [Symbol.asyncIterator](): EventStream<Data>
}

/** A connection to the event bus. */
export declare class Bus {
  /** Use `connect()`. */
  protected constructor(native: never)
  /** Emits an event; resolves to its id. */
  emit(type: string, data: unknown, options?: EmitOptions): Promise<string>
  /** Emits an event; resolves to the whole event, position included. */
  emitEvent(type: string, data: unknown, options?: EmitOptions): Promise<Event>
  /** Emits many events, up to 256 in flight; nothing is written if any is invalid. */
  emitMany(events: EmitRequest[]): Promise<string[]>
  /** Calls `listener` with each event `pattern` selects; returns `unsubscribe`. */
  subscribe<Data = JsonValue>(
    pattern: string,
    listener: (event: Event<Data>) => void | Promise<void>,
    options?: SubscribeOptions,
  ): Unsubscribe
  /** The events `pattern` selects, as an async iterable. */
  events<Data = JsonValue>(pattern: string, options?: EventsOptions): EventStream<Data>
  /** The events `pattern` selects within the bounds, merged across types. */
  history<Data = JsonValue>(pattern: string, options?: HistoryOptions): Promise<Event<Data>[]>
  /**
   * Resolves, once subscribed, to a `text/event-stream` Response of the events `pattern`
   * selects, resuming from `Last-Event-ID` or `?last_event_id=` (the header wins); a token
   * that cannot resume this pattern gets a 400 response.
   */
  sseResponse(request: Request, pattern: string, options?: SseOptions): Promise<Response>
  /** Counters and latency histograms per event type. */
  metrics(): Metrics
  /** The same figures in the Prometheus text format. */
  prometheusMetrics(): string
  /** Closes the bus: subscriptions end, later calls fail with `TIDINGS_CLOSED`. */
  close(): Promise<void>
  /** True once `close()` was called. */
  readonly closed: boolean
  /** The CloudEvents `source` stamped on emitted events. */
  readonly source: string
}

/** Connects: `memory://` (the default), `memory://<name>`, `redis://…`, `rediss://…`. */
export declare function connect(url?: string, options?: ConnectOptions): Promise<Bus>

/** Reads a stored envelope with the core's reader (for the shared wire-format test vectors). */
export declare function _decodeEnvelope(json: string, position?: string | null): Event
