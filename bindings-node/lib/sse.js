'use strict'
// `bus.sseResponse(request, pattern, options)`: a web `Response` whose body is a Server-Sent
// Events stream of the events `pattern` selects. The core frames every byte (prelude, events,
// heartbeats); this file only moves the chunks into a `ReadableStream`, resumes from the
// browser's `Last-Event-ID`, and unsubscribes when the request is aborted or the body cancelled.

const native = require('./native.js')

const DEFAULT_HEARTBEAT_MS = 15_000

const HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
}

function sseResponse(nativeBus, request, pattern, options = {}) {
  const { heartbeatMs = DEFAULT_HEARTBEAT_MS, from, headers } = options ?? {}
  const lastEventId = request?.headers?.get?.('last-event-id') ?? null
  const start = lastEventId ?? from
  let subscription
  try {
    subscription = nativeBus.subscribe(pattern, start === undefined ? undefined : { from: start })
  } catch (error) {
    // A Last-Event-ID this server never sent is the client's mistake, not the handler's.
    if (lastEventId !== null && error?.code === 'TIDINGS_CONFIG') {
      return new Response(`${error.message}\n`, { status: 400, headers: { 'Content-Type': 'text/plain' } })
    }
    throw error
  }
  const signal = request?.signal
  const unsubscribe = () => subscription.close()
  const stopListening = () => signal?.removeEventListener?.('abort', unsubscribe)
  const body = new ReadableStream({
    // The prelude goes out once the subscription is established: a client that has read it
    // receives every event emitted from then on.
    async start(controller) {
      if (signal?.aborted) unsubscribe()
      else signal?.addEventListener?.('abort', unsubscribe, { once: true })
      try {
        await subscription.ready()
      } catch (error) {
        stopListening()
        controller.error(error)
        return
      }
      controller.enqueue(Buffer.from(native.ssePrelude()))
    },
    async pull(controller) {
      let chunk
      try {
        chunk = await subscription.nextSseChunk(heartbeatMs)
      } catch (error) {
        stopListening()
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

module.exports = { sseResponse, DEFAULT_HEARTBEAT_MS }
