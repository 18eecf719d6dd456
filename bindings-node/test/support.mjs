// Test support: a private redis-server on a free loopback port (never the shared one), the two
// backends every behaviour test runs on, and waiting helpers with a liveness timeout (a hang
// becomes a failure; nothing here sleeps in place of waiting for an event).

import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { after, afterEach, before } from 'node:test'
import { connect } from 'tidings'

/** How long a test may wait for something that should happen promptly. */
export const LIVENESS_MS = 20_000

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts redis-server on a free port; resolves to `{ url, port, cli(...args), stop() }`. */
export async function startRedis() {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tidings-node-redis-'))
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await within(
    new Promise((resolve, reject) => {
      let output = ''
      server.once('error', reject)
      server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)))
      server.stdout.on('data', (chunk) => {
        output += chunk
        if (output.includes('Ready to accept connections')) resolve()
      })
    }),
    'redis-server to start',
  )
  server.stdout.resume()
  // Should the test process end without `stop()` (a failed hook, --test-force-exit), take the
  // server down with it.
  const orphanGuard = () => server.kill('SIGKILL')
  process.once('exit', orphanGuard)
  return {
    url: `redis://127.0.0.1:${port}/`,
    port,
    cli: (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim(),
    async stop() {
      process.removeListener('exit', orphanGuard)
      const exited = new Promise((resolve) => server.once('exit', resolve))
      server.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * The backends every behaviour test runs on: `memory://<unique>` and the private redis-server
 * (each bus gets its own namespace there unless told otherwise). Registers the file's hooks:
 * Redis starts before the tests and stops after them, and every bus a test opened with
 * `backend.open()` (or `track()`) is closed after it, passed or failed, so a failing test cannot
 * leave a subscription that keeps the test process alive.
 */
export function backends() {
  let redis
  const opened = new Set()
  const track = (bus) => (opened.add(bus), bus)
  const backend = (name, url, options) => ({
    name,
    url,
    options,
    open: async (extra = {}) => track(await connect(url(), { ...options(), ...extra })),
  })
  const memory = backend('memory', () => `memory://test-${randomUUID()}`, () => ({}))
  const onRedis = backend('redis', () => redis.url, () => ({ namespace: `t${randomUUID().replaceAll('-', '')}` }))
  Object.defineProperty(onRedis, 'redis', { get: () => redis })
  before(async () => {
    redis = await startRedis()
  })
  afterEach(async () => {
    await Promise.all([...opened].map((bus) => bus.close()))
    opened.clear()
  })
  after(async () => {
    await redis?.stop()
  })
  return { list: [memory, onRedis], track, redis: () => redis }
}

/** Resolves with `promise`, or rejects when it takes longer than the liveness timeout. */
export function within(promise, what, ms = LIVENESS_MS) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** A listener that records events, and `until(n)` resolving once it has seen `n` of them. */
export function recorder() {
  const events = []
  let waiters = []
  const listener = (event) => {
    events.push(event)
    waiters = waiters.filter((waiter) => !waiter())
  }
  const until = (count) =>
    within(
      new Promise((resolve) => {
        const check = () => events.length >= count && (resolve(events), true)
        if (!check()) waiters.push(check)
      }),
      `${count} events (have ${events.length})`,
    )
  const untilId = (id) =>
    within(
      new Promise((resolve) => {
        const check = () => events.some((e) => e.id === id) && (resolve(events), true)
        if (!check()) waiters.push(check)
      }),
      `event ${id}`,
    )
  return { events, listener, until, untilId }
}

/** Takes `count` events from an async iterator (then leaves it, which unsubscribes). */
export async function take(iterable, count) {
  const taken = []
  if (count === 0) return taken
  await within(
    (async () => {
      for await (const event of iterable) {
        taken.push(event)
        if (taken.length >= count) break
      }
    })(),
    `${count} events from the iterator (have ${taken.length})`,
  )
  return taken
}

/**
 * A bus (from `open()`) on which one `emitMany(requests)` landed in a single millisecond, the
 * case where only a cursor resumes exactly; a batch that straddled two is retried on a fresh
 * bus. Resolves to `{ bus, ids }`.
 */
export async function emitInOneMillisecond(open, requests, attempts = 50) {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const bus = await open()
    const ids = await bus.emitMany(requests)
    const stored = await bus.history('*', { limit: requests.length + 1 })
    const millis = new Set(stored.map((event) => event.position.split('-')[0]))
    if (stored.length === requests.length && millis.size === 1) return { bus, ids }
    await bus.close()
  }
  throw new Error(`no batch of ${requests.length} landed in one millisecond in ${attempts} tries`)
}

/** The next `count` events of an async iterator, without leaving it. */
export async function nextEvents(stream, count) {
  const got = []
  while (got.length < count) {
    const { value, done } = await within(stream.next(), `event ${got.length + 1} of ${count}`)
    assert.equal(done, false, `the stream ended after ${got.length} of ${count} events`)
    got.push(value)
  }
  return got
}

/**
 * Resumes `pattern` from the cursor of each of `delivered` (the events a subscription from the
 * start delivered, in order) and checks it yields exactly the rest: the events after it, then
 * nothing but an event of `markerType` emitted afterwards. Each marker joins what later resumes
 * owe.
 */
export async function assertResumesExactly(bus, pattern, delivered, markerType) {
  const markers = []
  for (let n = 0; n < delivered.length; n++) {
    const stream = bus.events(pattern, { from: delivered[n].cursor })
    const owed = [...delivered.slice(n + 1), ...markers].map((event) => event.id)
    const resumed = await nextEvents(stream, owed.length)
    assert.deepEqual(resumed.map((event) => event.id), owed, `resumed from event ${n} (${delivered[n].cursor})`)
    const marker = await bus.emitEvent(markerType, n)
    const [next] = await nextEvents(stream, 1)
    assert.equal(next.id, marker.id, `after the rest, resumed from event ${n}, comes the marker`)
    markers.push(marker)
    stream.close()
  }
}

/**
 * How to lose events to trimming on each backend: memory:// trims to exactly `maxStreamLen`;
 * Redis trims approximately (`MAXLEN ~`), a whole node of 100 entries at a time.
 */
const TRIMMING = {
  memory: { maxStreamLen: 3, emitted: 12 },
  redis: { maxStreamLen: 10, emitted: 400 },
}

/**
 * A bus that kept only the newest of `trim.x`'s events: resolves to the bus, the cursor (under
 * `trim.*`) of the first event emitted, which was trimmed, and the events kept, oldest first.
 */
export async function trimmedBus(backend, pattern = 'trim.*') {
  const { maxStreamLen, emitted } = TRIMMING[backend.name]
  const bus = await backend.open({ maxStreamLen })
  await bus.emit('trim.x', 0)
  const [first] = await bus.history(pattern)
  // The kept events come from a later millisecond than the first: a resume holds the events of
  // its cursor's millisecond until a later one passes (they might precede the cursor's event).
  const firstMs = Number(first.position.split('-')[0])
  let n = 1
  while (Number((await bus.emitEvent('trim.x', n++)).position.split('-')[0]) <= firstMs);
  await bus.emitMany(Array.from({ length: emitted }, () => ({ type: 'trim.x', data: n++ })))
  const kept = await bus.history(pattern, { order: 'oldest_first', limit: n })
  assert.ok(kept.length < n && kept[0].id !== first.id, 'the first event was trimmed away')
  assert.ok(Number(kept[0].position.split('-')[0]) > firstMs)
  return { bus, cursor: first.cursor, kept }
}
