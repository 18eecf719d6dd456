// The Node binding's benchmark (`make bench`): tidings against what a Node user would write
// instead, the seed's PersistentEventSystem emit (XADD then PUBLISH, each awaited) on ioredis,
// on ioredis with auto-pipelining, and on node-redis v4, all on the private redis-server named
// by TIDINGS_URL, plus tidings' one-at-a-time emits on memory:// (what the binding costs without
// Redis). Prints one JSON line per measurement:
// {"contender", "metric", "value" (median), "unit", "runs"}.
//
//   TIDINGS_URL=redis://127.0.0.1:PORT/ node bench/node/bench.mjs
//   TIDINGS_BENCH_RUNS=5 (repetitions), TIDINGS_BENCH_QUICK=1 (a tiny smoke run)

import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { createClient } from 'redis'
import { connect } from 'tidings'

const URL_ = process.env.TIDINGS_URL ?? ''
const RUNS = Number(process.env.TIDINGS_BENCH_RUNS ?? 5)
const QUICK = process.env.TIDINGS_BENCH_QUICK === '1'
const SEQUENTIAL = QUICK ? 500 : 5_000
const IN_FLIGHT = 256
const CONCURRENT = QUICK ? 5_120 : 51_200
const BATCH = 10_000
const SUBSCRIBED = QUICK ? 5_000 : 100_000
const LATENCY = QUICK ? 200 : 3_000
const LATENCY_RATE = 1_000
const BINDING = 'tidings-node'
// About 100 bytes of JSON, as in DESIGN.md's Performance section.
const DATA = { userId: 123, email: 'ada@example.com', device: 'iPhone 14', ip: '192.168.1.1' }

/** Microseconds since the epoch with sub-millisecond precision, comparable across processes. */
const nowUs = () => (performance.timeOrigin + performance.now()) * 1000

/** The seed's PersistentEventSystem.emit (LEARNING.md, chapter 4, step 2), plus its PUBLISH. */
function seedEmit(xadd, publish) {
  return async (eventType, data) => {
    const now = Date.now()
    const event = { id: `${now}-${Math.random()}`, type: eventType, timestamp: now, data }
    const payload = JSON.stringify(event)
    await xadd(`stream:${eventType}`, payload)
    await publish(`events:${eventType}`, payload)
    return event.id
  }
}

function ioredisContender(name, options) {
  const client = new Redis(URL_, options)
  return {
    name,
    emit: seedEmit((key, payload) => client.xadd(key, '*', 'event', payload), (channel, payload) => client.publish(channel, payload)),
    async batch(count) {
      const pipeline = client.pipeline()
      for (let n = 0; n < count; n++) {
        const now = Date.now()
        const payload = JSON.stringify({ id: `${now}-${Math.random()}`, type: 'bench.many', timestamp: now, data: DATA })
        pipeline.xadd('stream:bench.many', '*', 'event', payload).publish('events:bench.many', payload)
      }
      await pipeline.exec()
    },
    close: () => client.quit(),
  }
}

async function nodeRedisContender() {
  const client = createClient({ url: URL_ })
  await client.connect()
  return {
    name: 'node-redis v4 (seed)',
    emit: seedEmit((key, payload) => client.xAdd(key, '*', { event: payload }), (channel, payload) => client.publish(channel, payload)),
    async batch(count) {
      const multi = client.multi()
      for (let n = 0; n < count; n++) {
        const now = Date.now()
        const payload = JSON.stringify({ id: `${now}-${Math.random()}`, type: 'bench.many', timestamp: now, data: DATA })
        multi.xAdd('stream:bench.many', '*', { event: payload }).publish('events:bench.many', payload)
      }
      await multi.execAsPipeline()
    },
    close: () => client.quit(),
  }
}

async function rate(count, work) {
  const started = performance.now()
  await work()
  return count / ((performance.now() - started) / 1000)
}

async function sequential(emit, count) {
  for (let n = 0; n < count; n++) await emit('bench.seq', DATA)
}

async function inFlight(emit, count) {
  const worker = async () => {
    for (let n = 0; n < count / IN_FLIGHT; n++) await emit('bench.flight', DATA)
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
}

/** The child process of the subscriber and latency measurements: emits `count` events. */
async function produce(eventType, count, paced) {
  const bus = await connect(URL_, { source: 'bench/node/producer' })
  if (paced) {
    const intervalMs = 1000 / LATENCY_RATE
    let nextAt = performance.now()
    for (let n = 0; n < count; n++) {
      await bus.emit(eventType, { sent: nowUs() })
      nextAt += intervalMs
      const pause = nextAt - performance.now()
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause))
    }
  } else {
    // Four batches in flight, so the producer outpaces the subscriber it is measuring.
    const chunk = Array.from({ length: 1000 }, () => ({ type: eventType, data: DATA }))
    const producer = async () => {
      for (let n = 0; n < count / chunk.length / 4; n++) await bus.emitMany(chunk)
    }
    await Promise.all([producer(), producer(), producer(), producer()])
  }
  await bus.close()
}

function startProducer(eventType, count, paced) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'produce', eventType, String(count), paced ? 'paced' : 'burst'], {
    stdio: 'inherit',
  })
  return once(child, 'exit')
}

/** Events/s a listener receives while another process emits as fast as it can. */
async function subscriberRate(bus, run) {
  const eventType = `bench.sub.${run}`
  let received = 0
  let first = 0
  let finished
  const done = new Promise((resolve) => (finished = resolve))
  const unsubscribe = bus.subscribe(eventType, () => {
    if (received === 0) first = performance.now()
    if (++received === SUBSCRIBED) finished(performance.now())
  })
  await unsubscribe.ready
  const producer = startProducer(eventType, SUBSCRIBED, false)
  const last = await done
  unsubscribe()
  await producer
  return (SUBSCRIBED - 1) / ((last - first) / 1000)
}

/** Emit-to-listener latencies (µs) across processes at LATENCY_RATE events/s. */
async function latency(bus, run) {
  const eventType = `bench.latency.${run}`
  const samples = []
  let finished
  const done = new Promise((resolve) => (finished = resolve))
  const unsubscribe = bus.subscribe(eventType, (event) => {
    samples.push(nowUs() - event.data.sent)
    if (samples.length === LATENCY) finished()
  })
  await unsubscribe.ready
  const producer = startProducer(eventType, LATENCY, true)
  await done
  unsubscribe()
  await producer
  return samples.slice(Math.floor(samples.length / 10)).sort((a, b) => a - b) // the first tenth warms up
}

function report(contender, metric, unit, runs) {
  const sorted = [...runs].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  console.log(JSON.stringify({ contender, metric, value: median, unit, runs }))
}

async function main() {
  if (!URL_.startsWith('redis')) {
    console.error('bench/node: set TIDINGS_URL to a private redis-server (scripts/with-redis.sh does)')
    process.exit(2)
  }
  const bus = await connect(URL_, { source: 'bench/node' })
  const memory = await connect('memory://', { source: 'bench/node' })
  const contenders = [
    ioredisContender('ioredis (seed PersistentEventSystem)', {}),
    ioredisContender('ioredis auto-pipelining (seed)', { enableAutoPipelining: true }),
    await nodeRedisContender(),
  ]
  const flush = new Redis(URL_)
  const runs = new Map()
  const add = (contender, metric, value) => {
    const key = `${contender}\u0000${metric}`
    runs.set(key, [...(runs.get(key) ?? []), value])
  }
  const emitBinding = (type, data) => bus.emit(type, data)
  // One unmeasured batch each first, as a long-running service would have done: the first batch
  // of a fresh process also pays for growing its heap, for every client.
  for (const contender of contenders) await contender.batch(BATCH)
  await bus.emitMany(Array.from({ length: BATCH }, () => ({ type: 'bench.many', data: DATA })))
  await flush.flushdb()
  for (let run = 0; run < RUNS; run++) {
    for (const contender of contenders) add(contender.name, 'emit_seq', await rate(SEQUENTIAL, () => sequential(contender.emit, SEQUENTIAL)))
    add(BINDING, 'emit_seq', await rate(SEQUENTIAL, () => sequential(emitBinding, SEQUENTIAL)))
    add(BINDING, 'emit_seq_memory', await rate(SEQUENTIAL, () => sequential((type, data) => memory.emit(type, data), SEQUENTIAL)))
    for (const contender of contenders) add(contender.name, 'emit_256', await rate(CONCURRENT, () => inFlight(contender.emit, CONCURRENT)))
    add(BINDING, 'emit_256', await rate(CONCURRENT, () => inFlight(emitBinding, CONCURRENT)))
    for (const contender of contenders) add(contender.name, 'emit_many', await rate(BATCH, () => contender.batch(BATCH)))
    const batch = Array.from({ length: BATCH }, () => ({ type: 'bench.many', data: DATA }))
    add(BINDING, 'emit_many', await rate(BATCH, () => bus.emitMany(batch)))
    add(BINDING, 'subscriber', await subscriberRate(bus, run))
    const samples = await latency(bus, run)
    add(BINDING, 'latency_p50', samples[Math.floor(samples.length / 2)])
    add(BINDING, 'latency_p99', samples[Math.min(samples.length - 1, Math.floor((samples.length * 99) / 100))])
    await flush.flushdb()
  }
  for (const [key, values] of runs) {
    const [contender, metric] = key.split('\u0000')
    report(contender, metric, metric.startsWith('latency') ? 'us' : 'events/s', values)
  }
  await Promise.all([...contenders.map((c) => c.close()), flush.quit(), bus.close(), memory.close()])
}

if (process.argv[2] === 'produce') await produce(process.argv[3], Number(process.argv[4]), process.argv[5] === 'paced')
else await main()
