// The Node binding's rows of `make bench` (tidings-bench runs this once a round): tidings
// against what a Node user would write instead, the PersistentEventSystem emit (XADD, then
// PUBLISH, each awaited) on ioredis, on ioredis with auto-pipelining and on node-redis v4, on
// the redis-server at TIDINGS_URL. Prints one JSON line per row (the contract is at the top of
// bench/src/bindings.rs).
//
//   TIDINGS_URL=redis://127.0.0.1:PORT/ node bench/node/bench.mjs
//   TIDINGS_BENCH_SECTION=emit|latency (default: both), TIDINGS_BENCH_QUICK=1 (small counts)

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { connect } from 'tidings'

const URL_ = process.env.TIDINGS_URL ?? ''
const SECTION = process.env.TIDINGS_BENCH_SECTION ?? 'all'
const QUICK = process.env.TIDINGS_BENCH_QUICK === '1'
const SEQUENTIAL = QUICK ? 500 : 5_000
const IN_FLIGHT = 256
const CONCURRENT = QUICK ? 5_120 : 51_200
const BATCH = 10_000
const SUBSCRIBED = QUICK ? 5_000 : 100_000
const LATENCY = QUICK ? 200 : 3_000
const LATENCY_RATE = 1_000
const TIDINGS = 'tidings (Node)'
// About 100 bytes of JSON.
const DATA = { userId: 123, email: 'ada@example.com', device: 'iPhone 14', ip: '192.168.1.1' }

const row = (contender, what, setup, figures) => console.log(JSON.stringify({ contender, what, setup, ...figures }))

/** Microseconds since the epoch with sub-millisecond precision, comparable across processes. */
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000

function legacyPayload(type, data) {
  const now = Date.now()
  return JSON.stringify({ id: `${now}-${Math.random()}`, type, timestamp: now, data })
}

/** A client doing the PersistentEventSystem emit: XADD, then PUBLISH, each awaited. */
function peer(name, xadd, publish, pipeline, close) {
  return {
    name,
    async emit(type, data) {
      const payload = legacyPayload(type, data)
      await xadd(`stream:${type}`, payload)
      await publish(`events:${type}`, payload)
    },
    /** A batch as that client's users send one: a pipeline of XADD+PUBLISH pairs. */
    async batch(count) {
      const pipe = pipeline()
      for (let n = 0; n < count; n++) pipe.add('stream:bench.many', 'events:bench.many', legacyPayload('bench.many', DATA))
      await pipe.send()
    },
    close,
  }
}

function ioredisPeer(name, options) {
  const client = new Redis(URL_, options)
  const pipeline = () => {
    const pipe = client.pipeline()
    return { add: (key, channel, payload) => pipe.xadd(key, '*', 'event', payload).publish(channel, payload), send: () => pipe.exec() }
  }
  return peer(name, (key, payload) => client.xadd(key, '*', 'event', payload), (channel, payload) => client.publish(channel, payload), pipeline, () => client.quit())
}

async function nodeRedisPeer() {
  const client = createClient({ url: URL_ })
  await client.connect()
  const pipeline = () => {
    const multi = client.multi()
    return { add: (key, channel, payload) => multi.xAdd(key, '*', { event: payload }).publish(channel, payload), send: () => multi.execAsPipeline() }
  }
  const xadd = (key, payload) => client.xAdd(key, '*', { event: payload })
  return peer('node-redis v4 (PersistentEventSystem emit)', xadd, (channel, payload) => client.publish(channel, payload), pipeline, () => client.quit())
}

async function rate(count, work) {
  const started = performance.now()
  await work()
  return { events_per_s: count / ((performance.now() - started) / 1000) }
}

async function oneAtATime(emit, count) {
  for (let n = 0; n < count; n++) await emit('bench.seq', DATA)
}

async function inFlight(emit, count) {
  const worker = async () => {
    for (let n = 0; n < count / IN_FLIGHT; n++) await emit('bench.flight', DATA)
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
}

async function emitRows() {
  const bus = await connect(URL_, { source: 'bench/node' })
  const lowLatency = await connect(URL_, { source: 'bench/node', lowLatency: true })
  const memory = await connect('memory://', { source: 'bench/node' })
  const peers = [
    ioredisPeer('ioredis (PersistentEventSystem emit)', {}),
    ioredisPeer('ioredis auto-pipelining (PersistentEventSystem emit)', { enableAutoPipelining: true }),
    await nodeRedisPeer(),
  ]
  const batch = Array.from({ length: BATCH }, () => ({ type: 'bench.many', data: DATA }))
  // One unmeasured batch each first, as a long-running service would have sent: a fresh
  // process's first batch also pays for growing its heap.
  for (const p of peers) await p.batch(BATCH)
  for (const warm of [bus, lowLatency]) await warm.emitMany(batch)
  const emitOf = (b) => (type, data) => b.emit(type, data)
  const seq = 'emit, one at a time (awaited)'
  for (const p of peers) row(p.name, seq, '', await rate(SEQUENTIAL, () => oneAtATime(p.emit, SEQUENTIAL)))
  row(TIDINGS, seq, '', await rate(SEQUENTIAL, () => oneAtATime(emitOf(bus), SEQUENTIAL)))
  row(TIDINGS, seq, 'low_latency', await rate(SEQUENTIAL, () => oneAtATime(emitOf(lowLatency), SEQUENTIAL)))
  const onMemory = 'emit, one at a time (awaited), on memory:// (no Redis: the binding alone)'
  row(TIDINGS, onMemory, '', await rate(SEQUENTIAL, () => oneAtATime(emitOf(memory), SEQUENTIAL)))
  const flight = 'emit, 256 in flight (256 async loops)'
  for (const p of peers) row(p.name, flight, '', await rate(CONCURRENT, () => inFlight(p.emit, CONCURRENT)))
  row(TIDINGS, flight, '', await rate(CONCURRENT, () => inFlight(emitOf(bus), CONCURRENT)))
  const many = 'batch of 10,000 (emitMany; others: one pipeline of XADD+PUBLISH)'
  for (const p of peers) row(p.name, many, '', await rate(BATCH, () => p.batch(BATCH)))
  row(TIDINGS, many, '', await rate(BATCH, () => bus.emitMany(batch)))
  await Promise.all([...peers.map((p) => p.close()), bus.close(), lowLatency.close(), memory.close()])
}

/** The child process of the latency rows: emits `count` events. */
async function produce(type, count, paced) {
  const bus = await connect(URL_, { source: 'bench/node/producer' })
  if (paced) {
    let nextAt = performance.now()
    for (let n = 0; n < count; n++) {
      await bus.emit(type, { sent: nowUs() })
      nextAt += 1000 / LATENCY_RATE
      const pause = nextAt - performance.now()
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause))
    }
  } else {
    // Four batches in flight, so the producer outpaces the subscriber it is measuring.
    const chunk = Array.from({ length: 1000 }, () => ({ type, data: DATA }))
    const producer = async () => {
      for (let n = 0; n < count / chunk.length / 4; n++) await bus.emitMany(chunk)
    }
    await Promise.all([producer(), producer(), producer(), producer()])
  }
  await bus.close()
}

/** Subscribes to `type`, starts a producer process of `count` events, calls `seen` with each. */
async function receive(bus, type, count, paced, seen) {
  let received = 0
  let finished
  const done = new Promise((resolve) => (finished = resolve))
  const unsubscribe = bus.subscribe(type, (event) => {
    seen(event)
    if (++received === count) finished()
  })
  await unsubscribe.ready
  const args = [fileURLToPath(import.meta.url), 'produce', type, String(count), paced ? 'paced' : 'burst']
  const producer = once(spawn(process.execPath, args, { stdio: 'inherit' }), 'exit')
  await done
  unsubscribe()
  await producer
}

async function latencyRows() {
  const bus = await connect(URL_, { source: 'bench/node' })
  const times = []
  await receive(bus, 'bench.sub', SUBSCRIBED, false, () => times.push(performance.now()))
  const rateWhat = 'subscriber receive rate (callback; producer process, batches of 1,000)'
  row(TIDINGS, rateWhat, '', { events_per_s: (times.length - 1) / ((times.at(-1) - times[0]) / 1000) })
  let samples = []
  await receive(bus, 'bench.latency', LATENCY, true, (event) => samples.push(nowUs() - event.data.sent))
  samples = samples.slice(Math.floor(samples.length / 10)).sort((a, b) => a - b) // the first tenth warms up
  const [p50, p99] = [50, 99].map((p) => samples[Math.min(samples.length - 1, Math.floor((samples.length * p) / 100))])
  row(TIDINGS, 'emit → subscriber, 2 processes, 1,000 events/s', '', { p50_us: p50, p99_us: p99, max_us: samples.at(-1) })
  await bus.close()
}

async function main() {
  if (!URL_.startsWith('redis')) {
    console.error('bench/node: set TIDINGS_URL to a private redis-server (scripts/with-redis.sh does)')
    process.exit(2)
  }
  if (SECTION === 'emit' || SECTION === 'all') await emitRows()
  if (SECTION === 'latency' || SECTION === 'all') await latencyRows()
  const flush = new Redis(URL_) // so the server's streams do not grow from round to round
  await flush.flushdb()
  await flush.quit()
}

if (process.argv[2] === 'produce') await produce(process.argv[3], Number(process.argv[4]), process.argv[5] === 'paced')
else await main()
