// Live subscriptions through `subscribe(pattern, listener)` and `for await … bus.events()`:
// delivery order, replay from a start, position or time with no gap or duplicate at the seam,
// batches across the native boundary, and listeners that throw. On memory:// and Redis.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'tidings'
import native from '../lib/native.js'
import { backends, recorder, take, within } from './support.mjs'

const setup = backends()

for (const backend of setup.list) {
  describe(`subscriptions on ${backend.name}`, () => {
    const open = backend.open

    test('delivered events are the same objects history returns, field for field', async () => {
      const bus = await open({ source: 'tests/shape' })
      const seen = recorder()
      const unsubscribe = bus.subscribe('shape.*', seen.listener)
      const stream = bus.events('shape.*')
      await Promise.all([unsubscribe.ready, stream.ready])
      await bus.emit('shape.full', { n: 1, s: 'é"\\' }, { subject: 'sub', metadata: { ip: '1.2.3.4' }, version: '2' })
      await bus.emit('shape.bare', null)
      const [listened, iterated] = await Promise.all([seen.until(2), take(stream, 2)])
      const stored = await bus.history('shape.*', { order: 'oldest_first' })
      assert.deepEqual(listened, stored)
      assert.deepEqual(iterated, stored)
      assert.ok(listened.every((event) => event.time instanceof Date))
      assert.deepEqual(Object.keys(listened[1]), Object.keys(stored[1]))
      assert.equal(listened[1].subject, undefined)
      unsubscribe()
      await bus.close()
    })

    test('a listener gets every matching event emitted after ready, in order, once', async () => {
      const bus = await open()
      const seen = recorder()
      const unsubscribe = bus.subscribe('user.*', seen.listener)
      await unsubscribe.ready
      const ids = []
      for (let n = 0; n < 20; n++) {
        ids.push(await bus.emit(n % 3 ? 'user.login' : 'user.logout', { n }))
        await bus.emit('order.placed', { n })
      }
      const sentinel = await bus.emit('user.sentinel', null)
      await seen.untilId(sentinel)
      assert.deepEqual(seen.events.map((e) => e.id), [...ids, sentinel])
      assert.ok(seen.events.every((e) => e.type.startsWith('user.') && /^\d+-\d+$/.test(e.position)))
      unsubscribe()
      await bus.close()
    })

    test('events() from start replays, then follows live with no gap and no duplicate', async () => {
      const bus = await open()
      const before = await bus.emitMany(Array.from({ length: 30 }, (_, n) => ({ type: 'seam.a', data: n })))
      const stream = bus.events('seam.*', { from: 'start' })
      const first = await take_(stream, 30)
      assert.deepEqual(first.map((e) => e.id), (await bus.history('seam.*', { limit: 100, order: 'oldest_first' })).map((e) => e.id))
      assert.deepEqual(new Set(first.map((e) => e.id)), new Set(before))
      const live = []
      for (let n = 0; n < 10; n++) live.push(await bus.emit('seam.b', n))
      const rest = await take(stream, 10)
      assert.deepEqual(rest.map((e) => e.id), live)
      await bus.close()
    })

    test('from a position resumes after it, exclusively; from a time includes it', async () => {
      const bus = await open()
      const ids = []
      for (let n = 0; n < 6; n++) ids.push(await bus.emit('resume.it', n))
      const stored = await bus.history('resume.it', { order: 'oldest_first' })
      const after = await take(bus.events('resume.it', { from: stored[2].position }), 3)
      assert.deepEqual(after.map((e) => e.id), ids.slice(3))
      const ms = Number(stored[3].position.split('-')[0])
      const expected = stored.filter((e) => Number(e.position.split('-')[0]) >= ms).map((e) => e.id)
      for (const from of [ms, new Date(ms)]) {
        const got = await take(bus.events('resume.it', { from }), expected.length)
        assert.deepEqual(got.map((e) => e.id), expected)
      }
      await bus.close()
    })

    test('events cross the native boundary in batches', async () => {
      const nativeBus = setup.track(await native.connect(backend.url(), backend.options()))
      const subscription = nativeBus.subscribe('batch.*', { from: 'start' })
      await nativeBus.emitMany(Array.from({ length: 2000 }, (_, n) => ({ type: 'batch.x', data: n })))
      const sizes = []
      let received = 0
      while (received < 2000) {
        // One JSON text per batch: the envelopes and, beside them, their cursors.
        const [batch, cursors] = JSON.parse(await within(subscription.nextBatch(), 'a batch'))
        assert.ok(Array.isArray(batch))
        assert.equal(cursors.length, batch.length)
        assert.ok(batch.every((event, n) => cursors[n].startsWith(`${event.position}:batch.x:`)))
        sizes.push(batch.length)
        received += batch.length
      }
      assert.equal(received, 2000)
      assert.ok(sizes.length < 2000 && Math.max(...sizes) > 1, `batch sizes ${sizes}`)
      subscription.close()
      assert.equal(await subscription.nextBatch(), null)
      await nativeBus.close()
    })

    test('a throwing listener is counted and reported, and delivery goes on', async () => {
      const bus = await open()
      const reports = []
      const seen = recorder()
      const unsubscribe = bus.subscribe(
        'risky.*',
        (event) => {
          seen.listener(event)
          if (event.data.fail === 'throw') throw new Error(`boom ${event.data.n}`)
          if (event.data.fail === 'reject') return Promise.reject(new Error(`async boom ${event.data.n}`))
        },
        { onError: (error, event, pattern) => reports.push([error.message, event.id, pattern]) },
      )
      await unsubscribe.ready
      const ids = []
      ids.push(await bus.emit('risky.op', { n: 0, fail: 'throw' }))
      ids.push(await bus.emit('risky.op', { n: 1 }))
      ids.push(await bus.emit('risky.op', { n: 2, fail: 'reject' }))
      ids.push(await bus.emit('risky.op', { n: 3 }))
      await seen.untilId(ids[3])
      assert.deepEqual(seen.events.map((e) => e.id), ids)
      assert.deepEqual(reports, [
        ['boom 0', ids[0], 'risky.*'],
        ['async boom 2', ids[2], 'risky.*'],
      ])
      assert.equal(bus.metrics().types['risky.op'].handler_errors, 2)
      unsubscribe()
      await bus.close()
    })

    test('an onError that throws itself does not stop delivery', async () => {
      const bus = await open()
      const seen = recorder()
      const logged = []
      const original = console.error
      console.error = (...args) => logged.push(args)
      try {
        const unsubscribe = bus.subscribe(
          'worse.*',
          (event) => {
            seen.listener(event)
            if (event.data === 1) throw new Error('listener')
          },
          {
            onError: () => {
              throw new Error('onError too')
            },
          },
        )
        await unsubscribe.ready
        await bus.emit('worse.x', 1)
        const last = await bus.emit('worse.x', 2)
        await seen.untilId(last)
        assert.equal(logged.length, 1)
        assert.match(String(logged[0][1]), /onError too/)
        unsubscribe()
      } finally {
        console.error = original
      }
      await bus.close()
    })

    test('an async listener is awaited before the next event', async () => {
      const bus = await open()
      await bus.emitMany([0, 1].map((n) => ({ type: 'slow.x', data: n })))
      const order = []
      let release
      const gate = new Promise((resolve) => (release = resolve))
      const seen = recorder()
      // A replay hands both events over in one batch.
      const unsubscribe = bus.subscribe(
        'slow.*',
        async (event) => {
          order.push(`start ${event.data}`)
          if (event.data === 0) {
            release()
            await gate
            await new Promise((resolve) => setImmediate(resolve))
          }
          order.push(`end ${event.data}`)
          seen.listener(event)
        },
        { from: 'start' },
      )
      await seen.until(2)
      assert.deepEqual(order, ['start 0', 'end 0', 'start 1', 'end 1'])
      unsubscribe()
      await bus.close()
    })

    test('unsubscribing inside the listener stops delivery at once', async () => {
      const bus = await open()
      const got = []
      let firstSeen
      const first = new Promise((resolve) => {
        firstSeen = resolve
      })
      const unsubscribe = bus.subscribe('once.*', (event) => {
        got.push(event.data)
        unsubscribe()
        firstSeen()
      })
      await unsubscribe.ready
      // Sent in one batch, so the listener unsubscribes while later events of it are pending.
      await bus.emitMany([1, 2, 3].map((n) => ({ type: 'once.x', data: n })))
      // The listener has had its first event; a second subscription then reads past the batch
      // (to a later sentinel), by which time the rest of it would have been delivered.
      await within(first, 'the first event')
      const other = recorder()
      const watch = bus.subscribe('once.*', other.listener, { from: 'start' })
      const sentinel = await bus.emit('once.sentinel', null)
      await other.untilId(sentinel)
      assert.equal(got.length, 1)
      watch()
      await bus.close()
    })

    test('leaving a for-await loop unsubscribes', async () => {
      const bus = await open()
      const stream = bus.events('leave.*')
      await stream.ready
      await bus.emit('leave.x', 1)
      await bus.emit('leave.x', 2)
      for await (const event of stream) {
        assert.equal(event.data, 1)
        break
      }
      assert.deepEqual(await stream.next(), { done: true, value: undefined })
      await bus.close()
    })
  })
}

/** Takes `count` events without leaving the iterator. */
async function take_(stream, count) {
  const got = []
  while (got.length < count) {
    const { value, done } = await within(stream.next(), `event ${got.length + 1} of ${count}`)
    assert.equal(done, false)
    got.push(value)
  }
  return got
}
