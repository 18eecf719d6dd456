// Resume tokens through the Node API: every delivered and history event carries `cursor`, the
// core's token for the pattern it came under; resuming a wildcard from it is exact even when
// several types share a millisecond; and events owed that were trimmed away reach JavaScript
// as a `TIDINGS_TRIMMED` error after which delivery goes on, for `for await` and for listeners.
// On memory:// and Redis.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { assertResumesExactly, backends, emitInOneMillisecond, nextEvents, recorder, trimmedBus, within } from './support.mjs'

const setup = backends()

for (const backend of setup.list) {
  describe(`cursors on ${backend.name}`, () => {
    test('every delivered and history event carries the cursor of its pattern', async () => {
      const bus = await backend.open()
      const seen = recorder()
      const unsubscribe = bus.subscribe('cur.*', seen.listener)
      const stream = bus.events('cur.*')
      const exact = bus.events('cur.a')
      await Promise.all([unsubscribe.ready, stream.ready, exact.ready])
      const emitted = await bus.emitEvent('cur.a', 1)
      assert.equal(emitted.cursor, null, 'no pattern delivered the event emitEvent gives')
      const [listened] = await seen.until(1)
      const [iterated] = await nextEvents(stream, 1)
      const [history] = await bus.history('cur.*')
      assert.match(listened.cursor, new RegExp(`^${emitted.position}:cur\\.a:[0-9a-f]{8}$`))
      assert.equal(iterated.cursor, listened.cursor)
      assert.equal(history.cursor, listened.cursor)
      const [exactly] = await nextEvents(exact, 1)
      const [exactHistory] = await bus.history('cur.a')
      assert.equal(exactly.cursor, emitted.position, 'an exact pattern: the position')
      assert.equal(exactHistory.cursor, emitted.position)
      unsubscribe()
      stream.close()
      exact.close()
    })

    test('a0 b0 a1 b1 in one millisecond: resuming x.* from each cursor yields exactly the rest', async () => {
      const requests = [
        ['x.a', 'a0'],
        ['x.b', 'b0'],
        ['x.a', 'a1'],
        ['x.b', 'b1'],
      ].map(([type, data]) => ({ type, data }))
      const { bus, ids } = await emitInOneMillisecond(backend.open, requests)
      const delivered = await nextEvents(bus.events('x.*', { from: 'start' }), ids.length)
      assert.deepEqual(delivered.map((event) => event.id), ids, 'delivered in emit order')
      await assertResumesExactly(bus, 'x.*', delivered, 'x.marker')
    })

    test('for await throws TIDINGS_TRIMMED at the gap; iterating again goes on from the oldest kept', async () => {
      const { bus, cursor, kept } = await trimmedBus(backend)
      const stream = bus.events('trim.*', { from: cursor })
      const before = []
      const thrown = await within(
        (async () => {
          try {
            for await (const event of stream) before.push(event)
          } catch (error) {
            return error
          }
        })(),
        'the trim signal',
      )
      assert.equal(thrown?.code, 'TIDINGS_TRIMMED', `${thrown}`)
      assert.ok(thrown instanceof Error)
      assert.deepEqual(before, [], 'the signal comes first, in place of what was lost')
      // The loop ended, the stream did not: next() and a second loop go on.
      const { value: oldest } = await within(stream.next(), 'the oldest kept event')
      assert.equal(oldest.id, kept[0].id)
      for await (const event of stream) {
        assert.equal(event.id, kept[1].id)
        break
      }
      assert.deepEqual(await stream.next(), { done: true, value: undefined }, 'break left the stream')
      assert.equal(bus.metrics().subscriptions_trimmed, 1)
    })

    test('a listener subscription reports the trim to onError, with no event, and goes on', async () => {
      const { bus, cursor, kept } = await trimmedBus(backend)
      const log = []
      const seen = recorder()
      const unsubscribe = bus.subscribe(
        'trim.*',
        (event) => {
          log.push(event.id)
          seen.listener(event)
        },
        { from: cursor, onError: (error, event, pattern) => log.push([error.code, event, pattern]) },
      )
      await seen.until(kept.length)
      assert.deepEqual(log, [['TIDINGS_TRIMMED', undefined, 'trim.*'], ...kept.map((event) => event.id)])
      assert.equal(bus.metrics().types['trim.x'].handler_errors, 0, 'a trim is no listener error')
      unsubscribe()
    })

    test('any other failure ends the stream: a cursor from far in the future', async () => {
      const bus = await backend.open()
      const stream = bus.events('far.*', { from: '99999999999999-0' })
      await assert.rejects(stream.ready, { code: 'TIDINGS_CONFIG' })
      await assert.rejects(stream.next(), { code: 'TIDINGS_CONFIG' })
      assert.deepEqual(await stream.next(), { done: true, value: undefined })
    })
  })
}
