// Test support: a private redis-server on a free loopback port (never the shared one), the two
// backends every behaviour test runs on, and waiting helpers with a liveness timeout (a hang
// becomes a failure; nothing here sleeps in place of waiting for an event).

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
