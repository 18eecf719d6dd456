// Emit, emitMany, history, metrics and close through the public API, on memory:// and on a
// private redis-server.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'tidings'
import { backends, recorder, take } from './support.mjs'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const POSITION = /^\d+-\d+$/

const setup = backends()

for (const backend of setup.list) {
  describe(`bus on ${backend.name}`, () => {
    const open = backend.open

    test('emit returns the id; history returns the whole event', async () => {
      const bus = await open({ source: 'tests/node' })
      const id = await bus.emit('user.login', { userId: 123, at: new Date(0) }, {
        subject: 'user-123',
        metadata: { ip: '192.168.1.1' },
        version: '2',
      })
      assert.match(id, UUID_V7)
      const [event, ...rest] = await bus.history('user.login')
      assert.equal(rest.length, 0)
      assert.equal(event.id, id)
      assert.equal(event.type, 'user.login')
      assert.equal(event.source, 'tests/node')
      assert.equal(event.subject, 'user-123')
      assert.deepEqual(event.data, { userId: 123, at: '1970-01-01T00:00:00.000Z' })
      assert.deepEqual(event.metadata, { ip: '192.168.1.1' })
      assert.equal(event.version, '2')
      assert.ok(event.time instanceof Date && !Number.isNaN(event.time.getTime()))
      assert.match(event.position, POSITION)
      await bus.close()
    })

    test('an event without subject or metadata has them undefined, version 1', async () => {
      const bus = await open()
      await bus.emit('order.placed', null)
      const [event] = await bus.history('order.placed')
      assert.equal(event.subject, undefined)
      assert.equal(event.metadata, undefined)
      assert.equal(event.data, null)
      assert.equal(event.version, '1')
      await bus.close()
    })

    test('text of every width reads back; a lone surrogate in data is refused', async () => {
      const bus = await open()
      // '日本語' is the widest UTF-8 per UTF-16 unit (3 bytes each), filling a buffer sized for
      // the worst case exactly.
      const texts = ['plain', 'Zoë', '日本語', '😀 and 𝄞', '', 'x'.repeat(100_000)]
      const subject = (text) => text.slice(-50) || 'empty'
      const ids = []
      for (const text of texts) {
        ids.push(await bus.emit('text.width', { text }, { subject: subject(text) }))
      }
      // JSON.stringify writes a lone surrogate in data as an escape no JSON reader can decode.
      await assert.rejects(bus.emit('text.width', { text: 'lone \ud800' }), {
        code: 'TIDINGS_INVALID_DATA',
        message: /lone UTF-16 surrogate/,
      })
      // A string option has it replaced (U+FFFD), as every Node-API string conversion does.
      const replaced = await bus.emit('text.width', 'fine', { subject: 'lone \ud800' })
      const stored = await bus.history('text.width', { limit: 100, order: 'oldest_first' })
      assert.deepEqual(
        stored.map((event) => [event.id, event.data, event.subject]),
        [
          ...texts.map((text, n) => [ids[n], { text }, subject(text)]),
          [replaced, 'fine', 'lone \ufffd'],
        ],
      )
      await assert.rejects(bus.emit('tÿpe.bad', {}), { code: 'TIDINGS_INVALID_TYPE' })
      await bus.close()
    })

    test('emitEvent resolves to the event with its position, and no cursor', async () => {
      const bus = await open()
      const emitted = await bus.emitEvent('user.logout', { userId: 7 }, { subject: 's' })
      const [stored] = await bus.history('user.logout')
      // No pattern delivered it, so it has no cursor; history's, under an exact pattern, is its position.
      assert.equal(emitted.cursor, null)
      assert.equal(stored.cursor, stored.position)
      assert.deepEqual(emitted, { ...stored, cursor: null })
      await bus.close()
    })

    test('emits started together settle each with its own outcome; a bad one fails alone', async () => {
      const bus = await open()
      // Started in one turn, these go to the core as one batch and settle together.
      const settled = await Promise.allSettled([
        ...Array.from({ length: 300 }, (_, n) => bus.emit('batch.item', { n })),
        bus.emit('batch item', { n: 'bad' }),
        bus.emit('batch.item', { n: 300 }),
      ])
      const rejected = settled.flatMap((s, index) => (s.status === 'rejected' ? [index] : []))
      assert.deepEqual(rejected, [300])
      assert.equal(settled[300].reason.code, 'TIDINGS_INVALID_TYPE')
      const byId = new Map((await bus.history('batch.item', { limit: 1000 })).map((e) => [e.id, e]))
      assert.equal(byId.size, 301)
      settled.forEach((s, index) => {
        if (index === 300) return
        assert.deepEqual(byId.get(s.value)?.data, { n: index === 301 ? 300 : index }, `emit ${index}`)
      })
      await bus.close()
    })

    test('emitMany returns ids in request order and stores every event once', async () => {
      const bus = await open()
      const requests = Array.from({ length: 300 }, (_, n) => ({
        type: n % 2 ? 'order.paid' : 'order.placed',
        data: { n },
        ...(n === 5 ? { subject: 'five', metadata: { m: true }, version: '3' } : {}),
      }))
      const ids = await bus.emitMany(requests)
      assert.equal(ids.length, 300)
      // Up to 256 are in flight at once, so the order in which they land is not promised.
      const stored = await bus.history('order.*', { limit: 1000 })
      const byId = new Map(stored.map((event) => [event.id, event]))
      assert.equal(byId.size, 300)
      ids.forEach((id, n) => {
        assert.equal(byId.get(id).data.n, n)
        assert.equal(byId.get(id).type, requests[n].type)
      })
      const five = byId.get(ids[5])
      assert.equal(five.subject, 'five')
      assert.deepEqual(five.metadata, { m: true })
      assert.equal(five.version, '3')
      await bus.close()
    })

    test('history: limit, order, and since/until as positions, Dates and milliseconds', async () => {
      const bus = await open()
      const ids = await bus.emitMany(Array.from({ length: 10 }, (_, n) => ({ type: 'page.viewed', data: n })))
      const all = await bus.history('page.viewed', { limit: 100, order: 'oldest_first' })
      assert.deepEqual(all.map((e) => e.id), ids)
      const newest = await bus.history('page.viewed', { limit: 3 })
      assert.deepEqual(newest.map((e) => e.data), [9, 8, 7])
      const oldest = await bus.history('page.viewed', { limit: 3, order: 'oldest_first' })
      assert.deepEqual(oldest.map((e) => e.data), [0, 1, 2])
      // Position bounds are exclusive at both ends.
      const between = await bus.history('page.viewed', {
        since: all[2].position,
        until: all[6].position,
        order: 'oldest_first',
      })
      assert.deepEqual(between.map((e) => e.data), [3, 4, 5])
      // Time bounds compare with the position's milliseconds: since inclusive, until exclusive.
      const ms = Number(all[4].position.split('-')[0])
      const expectSince = all.filter((e) => Number(e.position.split('-')[0]) >= ms).map((e) => e.data)
      const expectUntil = all.filter((e) => Number(e.position.split('-')[0]) < ms).map((e) => e.data)
      for (const since of [ms, new Date(ms)]) {
        const got = await bus.history('page.viewed', { since, order: 'oldest_first' })
        assert.deepEqual(got.map((e) => e.data), expectSince)
      }
      for (const until of [ms, new Date(ms)]) {
        const got = await bus.history('page.viewed', { until, order: 'oldest_first' })
        assert.deepEqual(got.map((e) => e.data), expectUntil)
      }
      await bus.close()
    })

    test('history of a wildcard merges types in emit order', async () => {
      const bus = await open()
      const ids = []
      for (const type of ['user.a', 'user.b', 'other', 'user.a', 'user.c.d']) ids.push(await bus.emit(type, type))
      const got = await bus.history('user.*', { order: 'oldest_first' })
      assert.deepEqual(got.map((e) => e.id), [ids[0], ids[1], ids[3], ids[4]])
      await bus.close()
    })

    test('metrics count emits and deliveries; Prometheus text has them too', async () => {
      const bus = await open()
      const seen = recorder()
      const unsubscribe = bus.subscribe('metric.*', seen.listener)
      await unsubscribe.ready
      await bus.emit('metric.one', 1)
      await bus.emit('metric.one', 2)
      await seen.until(2)
      const metrics = bus.metrics()
      assert.equal(metrics.types['metric.one'].emitted, 2)
      assert.equal(metrics.types['metric.one'].delivered, 2)
      assert.equal(metrics.types['metric.one'].handler_errors, 0)
      assert.match(bus.prometheusMetrics(), /tidings_events_emitted_total\{type="metric.one"\} 2/)
      unsubscribe()
      await bus.close()
    })

    test('close ends subscriptions and later calls fail with TIDINGS_CLOSED', async () => {
      const bus = await open()
      const stream = bus.events('x.*')
      await stream.ready
      const ended = (async () => {
        const got = []
        for await (const event of stream) got.push(event)
        return got
      })()
      assert.equal(bus.closed, false)
      await bus.close()
      assert.equal(bus.closed, true)
      assert.deepEqual(await ended, [])
      const closed = { code: 'TIDINGS_CLOSED' }
      await assert.rejects(bus.emit('x.y', 1), closed)
      await assert.rejects(bus.emitMany([{ type: 'x.y', data: 1 }]), closed)
      await assert.rejects(bus.history('x.*'), closed)
      assert.throws(() => bus.subscribe('x.*', () => {}), closed)
      assert.throws(() => bus.events('x.*'), closed)
      await bus.close()
    })

    test('buses on one store see each other; namespaces keep them apart', async () => {
      const url = backend.url()
      const options = backend.options()
      const [a, b] = await Promise.all([connect(url, options), connect(url, options)].map(async (bus) => setup.track(await bus)))
      const other = setup.track(await connect(url, { namespace: `${options.namespace ?? 'ns'}x` }))
      const stream = b.events('shared.*')
      const elsewhere = other.events('shared.*', { from: 'start' })
      await Promise.all([stream.ready, elsewhere.ready])
      const id = await a.emit('shared.thing', { from: 'a' })
      const [event] = await take(stream, 1)
      assert.equal(event.id, id)
      assert.deepEqual(await other.history('shared.*'), [])
      const sentinel = await other.emit('shared.sentinel', 1)
      const [first] = await take(elsewhere, 1)
      assert.equal(first.id, sentinel, 'the other namespace saw only its own event')
      await Promise.all([a.close(), b.close(), other.close()])
    })
  })
}
