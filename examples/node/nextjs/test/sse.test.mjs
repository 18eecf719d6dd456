// End-to-end test of the example: `next start` serves the built app (run `npm ci` and
// `npm run build` first), an HTTP client reads /api/events, and this process emits with the
// installed tidings package on the same Redis. Needs TIDINGS_URL=redis://… (a private server):
//
//   TIDINGS_URL=redis://127.0.0.1:6390/ node --test test/sse.test.mjs
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { lstatSync, readFileSync } from 'node:fs'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { connect, version } from 'tidings'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const REDIS = process.env.TIDINGS_URL
const RUN = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`
const TYPE = `order.${RUN}.placed` // one type of this run only: no other run's events, exact resume
const PATTERN = `order.${RUN}.*`
const WAIT_MS = 15_000 // the longest one step may take before the test fails

let server
let output = '' // next start's stdout and stderr, shown when something fails
let base
let bus
const openResponses = new Set() // destroyed in after(), so a failed test leaves none open

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** Starts `next start` on a free port and sets `base` once it serves pages. */
async function startNext() {
  const port = await freePort()
  const next = 'node_modules/next/dist/bin/next'
  server = spawn(process.execPath, [next, 'start', '-H', '127.0.0.1', '-p', `${port}`], {
    cwd: ROOT,
    env: { ...process.env, TIDINGS_URL: REDIS, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  server.stdout.on('data', (chunk) => (output += chunk))
  server.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => server.once('exit', resolve))
  exited.then((code) => (output += `\n[next start exited: ${code ?? server.signalCode}]\n`))
  const listening = new Promise((resolve) => {
    server.stdout.on('data', () => /Ready in/.test(output) && resolve())
  })
  const failed = exited.then(() => {
    throw new Error(`next start exited; did \`npm run build\` run?\n${output}`)
  })
  await within(Promise.race([listening, failed]), 'next start to listen')
  base = `http://127.0.0.1:${port}`
  // "Ready" is printed once the port is open, before the build is loaded: one page proves it serves.
  const page = await Promise.race([plainGet('/dashboard'), failed]).catch((error) => {
    throw new Error(`next start does not serve (${error.message}); did \`npm run build\` run?\n${output}`)
  })
  assert.equal(page.status, 200, `GET /dashboard: ${page.status}\n${output}`)
}

/** `promise`, or a failure naming `what` (with the server's output) after WAIT_MS. */
function within(promise, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; server output:\n${output}`)), WAIT_MS)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** GET `path` on a connection of its own: node:http without keep-alive, because an idle
 *  connection left open holds up next start's graceful shutdown. Resolves to the response. */
function request(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const outgoing = get(`${base}${path}`, { agent: false, headers }, (response) => {
      outgoing.on('error', () => {}) // close() destroys the socket on purpose
      openResponses.add(response)
      response.once('close', () => openResponses.delete(response))
      resolve(response)
    })
    outgoing.once('error', reject)
  })
}

/** The status and the whole body of a GET (of an event stream: the status only). */
function plainGet(path, headers = {}) {
  const whole = async () => {
    const response = await request(path, headers)
    if (/event-stream/.test(response.headers['content-type'])) {
      response.destroy() // a stream has no end to wait for
      return { status: response.statusCode, body: '' }
    }
    let body = ''
    for await (const chunk of response.setEncoding('utf8')) body += chunk
    return { status: response.statusCode, body }
  }
  return within(whole(), `the whole response to GET ${path}`)
}

/** One SSE frame's text as `{ id, event, data, retry, comments }`. */
function parseFrame(text) {
  const frame = { comments: [] }
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim())
      continue
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    frame[field] = field === 'data' && frame.data !== undefined ? `${frame.data}\n${value}` : value
  }
  return frame
}

/** An open /api/events stream of PATTERN, read one SSE frame at a time. */
async function openStream(headers = {}) {
  const path = `/api/events?pattern=${encodeURIComponent(PATTERN)}`
  const response = await within(
    // Accept-Encoding as a browser sends it: the stream must still come uncompressed.
    request(path, { Accept: 'text/event-stream', 'Accept-Encoding': 'gzip', ...headers }),
    'the stream to open',
  )
  assert.equal(response.statusCode, 200)
  assert.match(response.headers['content-type'], /^text\/event-stream/)
  assert.equal(response.headers['content-encoding'], undefined, 'a compressed stream arrives in bursts')
  const chunks = response.setEncoding('utf8')[Symbol.asyncIterator]()
  let buffer = ''
  async function frame() {
    for (;;) {
      buffer = buffer.replace(/\r\n?/g, '\n')
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const text = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        return parseFrame(text)
      }
      const { value, done } = await chunks.next()
      if (done) throw new Error('the stream ended')
      buffer += value
    }
  }
  return {
    /** The opening frame, which the route sends once the subscription is established. */
    async opened() {
      const first = await within(frame(), 'the opening frame')
      assert.ok(first.comments.includes('connected'), `the prelude comes first: ${JSON.stringify(first)}`)
    },
    /** The next event frame (heartbeat comments skipped), its data parsed. */
    async event() {
      for (;;) {
        const next = await within(frame(), 'an event frame')
        if (next.event !== undefined) return { ...next, data: JSON.parse(next.data) }
      }
    },
    close() {
      response.destroy()
    },
  }
}

/** Asserts that `frame` is the SSE frame of `emitted` (what emitEvent resolved to). */
function assertFrame(frame, emitted) {
  // The id is the event's cursor under PATTERN: its position, its type and the pattern's check.
  const cursor = new RegExp(`^${emitted.position}:${TYPE.replaceAll('.', '\\.')}:[0-9a-f]{8}$`)
  assert.match(frame.id, cursor, 'id: is the cursor')
  assert.equal(frame.event, TYPE)
  assert.equal(frame.data.id, emitted.id)
  assert.deepEqual(frame.data.data, emitted.data)
}

before(async () => {
  const hint = 'set TIDINGS_URL to a private redis-server, e.g. TIDINGS_URL=redis://127.0.0.1:6390/'
  assert.match(REDIS ?? '', /^rediss?:\/\//, hint) // memory:// would not be shared with next start
  bus = await connect(REDIS, { source: 'nextjs-test' })
  await startNext()
})

after(async () => {
  for (const response of openResponses) response.destroy()
  await bus?.close()
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGTERM')
    const timer = setTimeout(() => server.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }
})

test('the installed package is the tarball, with its own version', () => {
  assert.equal(lstatSync(`${ROOT}node_modules/tidings`).isSymbolicLink(), false, 'installed, not linked')
  assert.equal(import.meta.resolve('tidings'), new URL('../node_modules/tidings/index.mjs', import.meta.url).href)
  const manifest = JSON.parse(readFileSync(`${ROOT}node_modules/tidings/package.json`, 'utf8'))
  assert.equal(version, manifest.version)
})

test('events arrive live with their id:, and Last-Event-ID resumes exactly', async () => {
  const first = await openStream()
  await first.opened()
  const a = await bus.emitEvent(TYPE, { n: 'A' })
  const aFrame = await first.event()
  assertFrame(aFrame, a)
  first.close()

  const b = await bus.emitEvent(TYPE, { n: 'B' }) // while no client is connected
  const c = await bus.emitEvent(TYPE, { n: 'C' })
  const second = await openStream({ 'Last-Event-ID': aFrame.id })
  await second.opened()
  assertFrame(await second.event(), b) // not A again
  assertFrame(await second.event(), c)
  const d = await bus.emitEvent(TYPE, { n: 'D' })
  assertFrame(await second.event(), d) // and nothing between C and the next live event
  second.close()
})

test('a bad pattern or Last-Event-ID gets 400', async () => {
  const badPattern = await plainGet(`/api/events?pattern=${encodeURIComponent('bad pattern!')}`)
  assert.equal(badPattern.status, 400)
  assert.match(badPattern.body, /pattern/i)
  const badId = await plainGet(`/api/events?pattern=${encodeURIComponent(PATTERN)}`, { 'Last-Event-ID': 'x' })
  assert.equal(badId.status, 400)
})
