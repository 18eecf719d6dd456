// Server-Sent Events on plain node:http, no framework: GET / serves a page whose EventSource
// shows every event live, GET /events is the stream (`bus.sseResponse`, which resumes from
// the browser's Last-Event-ID or a `?last_event_id=` in the URL), POST /emit emits a
// `demo.clicked` event.
//
//   TIDINGS_URL=redis://127.0.0.1:6379/ node sse-server.mjs    # then open http://localhost:3000
//
// `bus.sseResponse` resolves to a web `Response`, as a Next.js route handler does; the two
// adapters below turn node:http's request into a `Request` and stream the `Response` back.

import { createServer } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { connect } from 'tidings'

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>tidings live</title>
<h1>tidings live</h1>
<button id="emit">emit demo.clicked</button>
<ul id="events"></ul>
<script>
  const list = document.getElementById('events')
  const source = new EventSource('/events')
  source.onmessage = () => {}
  source.addEventListener('open', () => console.log('connected'))
  // Each frame's SSE event name is the event type; listen to the types you show (or pass
  // \`named: false\` to sseResponse and take every frame in \`onmessage\`).
  source.addEventListener('tidings:trimmed', () => console.warn('events were trimmed away before this page read them'))
  for (const type of ['demo.clicked', 'user.login', 'order.placed']) {
    source.addEventListener(type, (message) => {
      const event = JSON.parse(message.data)
      const item = document.createElement('li')
      item.textContent = event.time + ' ' + event.type + ' ' + JSON.stringify(event.data)
      list.prepend(item)
    })
  }
  document.getElementById('emit').onclick = () => fetch('/emit', { method: 'POST' })
</script>
`

/** node:http's request as a web `Request` whose signal aborts when the client goes away. */
export function toWebRequest(request, response) {
  const aborted = new AbortController()
  response.once('close', () => aborted.abort())
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
  }
  const url = new URL(request.url, `http://${request.headers.host ?? 'localhost'}`)
  return new Request(url, { method: request.method, headers, signal: aborted.signal })
}

/** Streams a web `Response` to node:http's response; ends when either side does. */
export async function sendWebResponse(webResponse, response) {
  response.writeHead(webResponse.status, Object.fromEntries(webResponse.headers))
  if (!webResponse.body) return response.end()
  await pipeline(Readable.fromWeb(webResponse.body), response).catch(() => {
    // The client left: pipeline has already cancelled the body, which unsubscribed.
  })
}

/**
 * The example's server: `/` (the page), `/events` (SSE of `pattern`; `sse` holds
 * `sseResponse`'s options), `POST /emit`.
 */
export function createSseServer(bus, { pattern = '*', ...sse } = {}) {
  return createServer(async (request, response) => {
    const { pathname } = new URL(request.url, 'http://localhost')
    if (pathname === '/events') {
      return sendWebResponse(await bus.sseResponse(toWebRequest(request, response), pattern, sse), response)
    }
    if (pathname === '/emit' && request.method === 'POST') {
      const id = await bus.emit('demo.clicked', { at: new Date() })
      response.writeHead(200, { 'Content-Type': 'application/json' })
      return response.end(JSON.stringify({ id }))
    }
    if (pathname === '/') {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      return response.end(PAGE)
    }
    response.writeHead(404).end()
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bus = await connect(process.env.TIDINGS_URL || 'memory://', { source: 'examples/node/sse' })
  const port = Number(process.env.PORT || 3000)
  const server = createSseServer(bus).listen(port, () => console.log(`[node] SSE demo on http://localhost:${port}`))
  process.once('SIGINT', () => server.close(() => bus.close()))
}
