'use strict'
// `bus.sseResponse(request, pattern, options)`: resolves to a web `Response` whose body is a
// Server-Sent Events stream of the events `pattern` selects. The core decides every byte and
// rule (headers, heartbeat default, prelude, frames, the trimmed frame, and which of
// `Last-Event-ID` and `?last_event_id=` a reconnecting browser resumes from); this file reads
// them off the request, moves the chunks into a `ReadableStream`, and unsubscribes when the
// request is aborted or the body cancelled.

const native = require('./native.js')

const HEADERS = Object.freeze(Object.fromEntries(native.sseHeaders()))
const DEFAULT_HEARTBEAT_MS = native.sseHeartbeatMs()

/** The `last_event_id` query parameter of `request.url`, or null. */
function queryToken(request) {
  const url = request?.url
  if (typeof url !== 'string') return null
  try {
    return new URL(url, 'http://localhost').searchParams.get('last_event_id')
  } catch {
    return null
  }
}

/** A resume token the client sent that no subscription of `pattern` can take. */
function badRequest(error) {
  return new Response(`${error.message}\n`, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
}

async function sseResponse(nativeBus, request, pattern, options = {}) {
  const { heartbeatMs = DEFAULT_HEARTBEAT_MS, named = true, from, headers } = options ?? {}
  native.sseCheckOptions(heartbeatMs, named)
  let token
  try {
    token = native.sseStart(request?.headers?.get?.('last-event-id') ?? null, queryToken(request))
  } catch (error) {
    if (error?.code === 'TIDINGS_CONFIG') return badRequest(error)
    throw error
  }
  const start = token ?? from
  const subscription = nativeBus.subscribe(pattern, start === undefined ? undefined : { from: start })
  const signal = request?.signal
  const unsubscribe = () => subscription.close()
  const stopListening = () => signal?.removeEventListener?.('abort', unsubscribe)
  if (signal?.aborted) unsubscribe()
  else signal?.addEventListener?.('abort', unsubscribe, { once: true })
  // The response waits for the subscription: a token the core refuses only once it knows the
  // streams (another pattern's cursor, a position ahead of the backend's clock) is still a 400,
  // and a client that has the prelude receives every event emitted from then on.
  try {
    await subscription.ready()
  } catch (error) {
    stopListening()
    unsubscribe()
    if (token !== null && error?.code === 'TIDINGS_CONFIG') return badRequest(error)
    throw error
  }
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(Buffer.from(native.ssePrelude()))
    },
    async pull(controller) {
      let chunk
      try {
        chunk = await subscription.nextSseChunk(heartbeatMs, named)
      } catch (error) {
        stopListening()
        unsubscribe()
        controller.error(error)
        return
      }
      if (chunk === null) {
        stopListening()
        controller.close()
      } else {
        controller.enqueue(chunk)
      }
    },
    cancel() {
      stopListening()
      unsubscribe()
    },
  })
  return new Response(body, { status: 200, headers: { ...HEADERS, ...headers } })
}

module.exports = { sseResponse }
