// `bus.sseResponse` over real HTTP: the example's node:http server (examples/node/
// sse-server.mjs) on a free loopback port, read with fetch. Frames carry the core's framing
// (`id:` the cursor); a reconnect resumes exactly from the `Last-Event-ID` header or the
// `last_event_id` query parameter (the header wins), even across types tied in one
// millisecond; a token no subscription of the pattern can take is a 400; a resume whose
// events were trimmed gets the core's `tidings:trimmed` frame and goes on; `named: false`
// frames carry no `event:`; quiet streams get heartbeats; a client that leaves is
// unsubscribed. On memory:// and Redis.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createSseServer } from '../../examples/node/sse-server.mjs'
import { backends, emitInOneMillisecond, trimmedBus, within } from './support.mjs'

const setup = backends()

/** Serves `bus` on a free port; resolves to the base URL, `open(token)` and `close()`. */
async function serve(bus, options) {
  const server = createSseServer(bus, options)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const base = `http://127.0.0.1:${server.address().port}`
  return {
    base,
    /** Opens the stream, resuming from `header` (Last-Event-ID) and/or `query` (?last_event_id=). */
    open: async ({ header, query } = {}) => {
      const url = query === undefined ? `${base}/events` : `${base}/events?last_event_id=${encodeURIComponent(query)}`
      const response = await fetch(url, { headers: header === undefined ? {} : { 'Last-Event-ID': header } })
      assert.equal(response.status, 200, `${response.status}: ${response.status === 200 ? '' : await response.text()}`)
      return frames(response)
    },
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Reads an event stream: `next()` resolves to the next frame (comments included) as lines. */
function frames(response) {
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  return {
    async next() {
      for (;;) {
        const end = buffered.indexOf('\n\n')
        if (end >= 0) {
          const frame = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          return frame.split('\n')
        }
        const { value, done } = await within(reader.read(), 'a chunk of the event stream')
        if (done) return null
        buffered += decoder.decode(value, { stream: true })
      }
    },
    /** The next frame that is an event: `{ id, event, data }`. */
    async nextEvent() {
      for (;;) {
        const lines = await this.next()
        if (lines === null) return null
        if (lines.every((line) => line.startsWith(':') || line.startsWith('retry:'))) continue
        const field = (name) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2)
        return { id: field('id'), event: field('event'), data: JSON.parse(field('data')), lines }
      }
    },
    /** The next `count` event frames. */
    async nextEvents(count) {
      const got = []
      while (got.length < count) got.push(await this.nextEvent())
      return got
    },
    cancel: () => reader.cancel(),
  }
}

/** Resolves once Redis has no pattern subscription left (the server unsubscribed). */
async function untilNoPatterns(redis) {
  await within(
    (async () => {
      while (redis.cli('PUBSUB', 'NUMPAT') !== '0') await new Promise((resolve) => setTimeout(resolve, 20))
    })(),
    'the pattern subscription to end',
  )
}

/** a0, b0, a1, b1 of x.a and x.b, emitted in one batch. */
const TIE = [
  ['x.a', 'a0'],
  ['x.b', 'b0'],
  ['x.a', 'a1'],
  ['x.b', 'b1'],
].map(([type, data]) => ({ type, data }))

/**
 * A bus where TIE landed in one millisecond, served as `x.*` (from the start for a client with
 * no token), and the four frames a first client got.
 */
async function tiedStream(backend, options = {}) {
  const { bus, ids } = await emitInOneMillisecond(backend.open, TIE)
  const server = await serve(bus, { pattern: 'x.*', from: 'start', ...options })
  const first = await server.open()
  const delivered = await first.nextEvents(ids.length)
  await first.cancel()
  assert.deepEqual(delivered.map((frame) => frame.data.id), ids)
  return { bus, server, delivered }
}

/**
 * Reconnects with each delivered frame's id as the token (`as` says how it travels) and checks
 * the stream gives exactly the rest: the frames after it, then a marker emitted afterwards.
 */
async function assertReconnectsExactly(bus, server, delivered, as) {
  const markers = []
  for (let n = 0; n < delivered.length; n++) {
    const stream = await server.open({ [as]: delivered[n].id })
    const owed = [...delivered.slice(n + 1).map((frame) => frame.data.id), ...markers]
    const resumed = await stream.nextEvents(owed.length)
    assert.deepEqual(resumed.map((frame) => frame.data.id), owed, `resumed (${as}) from frame ${n}: ${delivered[n].id}`)
    const marker = await bus.emit('x.marker', n)
    assert.equal((await stream.nextEvent()).data.id, marker, `then the marker, resumed from frame ${n}`)
    markers.push(marker)
    await stream.cancel()
  }
}

for (const backend of setup.list) {
  describe(`SSE on ${backend.name}`, () => {
    test('streams the prelude, then each event as a frame: id = cursor, event = type', async () => {
      const bus = await backend.open()
      const server = await serve(bus, { pattern: 'user.*' })
      const response = await fetch(`${server.base}/events`)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8')
      assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform')
      assert.equal(response.headers.get('x-accel-buffering'), 'no')
      const stream = frames(response)
      assert.deepEqual(await stream.next(), ['retry: 2000', ': connected'])
      // The response comes once the subscription is established, so what follows is delivered.
      const emitted = [
        await bus.emitEvent('user.login', { userId: 1, note: 'two\nlines' }, { subject: 'u-1' }),
        await bus.emitEvent('order.placed', { orderId: 2 }),
        await bus.emitEvent('user.logout', { userId: 1 }),
      ]
      const cursors = new Map((await bus.history('user.*')).map((event) => [event.id, event.cursor]))
      for (const expected of [emitted[0], emitted[2]]) {
        const frame = await stream.nextEvent()
        assert.equal(frame.lines.length, 3, 'id, event and one data line')
        assert.equal(frame.id, cursors.get(expected.id))
        assert.ok(frame.id.startsWith(`${expected.position}:${expected.type}:`), frame.id)
        assert.equal(frame.event, expected.type)
        assert.equal(frame.data.id, expected.id)
        assert.equal(frame.data.position, expected.position)
        assert.equal(frame.data.specversion, '1.0')
        assert.equal(frame.data.time, expected.time.toISOString())
        assert.deepEqual(frame.data.data, expected.data)
      }
      await stream.cancel()
      await server.close()
    })

    test('a reconnect with Last-Event-ID resumes with no gap and no duplicate', async () => {
      const bus = await backend.open()
      const server = await serve(bus, { pattern: 'feed.*' })
      const first = await server.open()
      await first.next()
      const ids = []
      for (let n = 0; n < 3; n++) ids.push(await bus.emit('feed.item', n))
      const seen = [await first.nextEvent(), await first.nextEvent()]
      assert.deepEqual(seen.map((f) => f.data.id), ids.slice(0, 2))
      await first.cancel()
      // Emitted while the browser is away.
      for (let n = 3; n < 5; n++) ids.push(await bus.emit('feed.item', n))
      const again = await server.open({ header: seen[1].id })
      const resumed = []
      for (let n = 0; n < 3; n++) resumed.push((await again.nextEvent()).data.id)
      assert.deepEqual(resumed, ids.slice(2))
      ids.push(await bus.emit('feed.item', 5))
      assert.equal((await again.nextEvent()).data.id, ids[5], 'and then follows live')
      await again.cancel()
      await server.close()
    })

    test('types tied in one millisecond: Last-Event-ID resumes from each frame exactly', async () => {
      const { bus, server, delivered } = await tiedStream(backend)
      await assertReconnectsExactly(bus, server, delivered, 'header')
      await server.close()
    })

    test('types tied in one millisecond: ?last_event_id= resumes from each frame exactly', async () => {
      const { bus, server, delivered } = await tiedStream(backend)
      await assertReconnectsExactly(bus, server, delivered, 'query')
      await server.close()
    })

    test('the Last-Event-ID header wins over the query parameter; an empty header counts as none', async () => {
      const { server, delivered } = await tiedStream(backend)
      const both = await server.open({ header: delivered[2].id, query: delivered[0].id })
      assert.equal((await both.nextEvent()).data.id, delivered[3].data.id)
      await both.cancel()
      const emptyHeader = await server.open({ header: '', query: delivered[0].id })
      assert.equal((await emptyHeader.nextEvent()).data.id, delivered[1].data.id)
      await emptyHeader.cancel()
      await server.close()
    })

    test('named: false sends frames without an event: line, for EventSource.onmessage', async () => {
      const bus = await backend.open()
      const server = await serve(bus, { pattern: 'plain.*', named: false })
      const stream = await server.open()
      const id = await bus.emit('plain.x', 1)
      const [history] = await bus.history('plain.*')
      const frame = await stream.nextEvent()
      assert.equal(frame.data.id, id)
      assert.equal(frame.id, history.cursor)
      assert.deepEqual(frame.lines, [`id: ${history.cursor}`, frame.lines[1]])
      assert.ok(frame.lines[1].startsWith('data: '))
      assert.ok(!frame.lines.some((line) => line.startsWith('event:')))
      await stream.cancel()
      await server.close()
    })

    test('a token the pattern cannot resume from is a 400, and nothing stays subscribed', async () => {
      const bus = await backend.open()
      await bus.emit('x.a', 1)
      const [underStar] = await bus.history('*')
      const [underOther] = await bus.history('x.a*')
      const [underOwn] = await bus.history('x.*')
      const ownCheck = underOwn.cursor.split(':')[2]
      const server = await serve(bus, { pattern: 'x.*' })
      const refused = [
        ['garbage header', { header: 'yesterday' }, /not a cursor/],
        ['garbage query', { query: 'yesterday' }, /not a cursor/],
        ['garbage header, good query', { header: 'yesterday', query: '1-0' }, /not a cursor/],
        ["a cursor of '*'", { header: underStar.cursor }, /another pattern/],
        ["a cursor of 'x.a*' as query", { query: underOther.cursor }, /another pattern/],
        ['a type x.* does not select', { header: `${underOwn.position}:y.a:${ownCheck}` }, /does not select/],
        ['a position far in the future', { header: '99999999999999-0' }, /ahead of the backend/],
        ['a cursor far in the future', { query: `99999999999999-0:x.a:${ownCheck}` }, /ahead of the backend/],
      ]
      for (const [what, { header, query }, message] of refused) {
        const url = query === undefined ? `${server.base}/events` : `${server.base}/events?last_event_id=${encodeURIComponent(query)}`
        const response = await fetch(url, { headers: header === undefined ? {} : { 'Last-Event-ID': header } })
        assert.equal(response.status, 400, what)
        assert.match(response.headers.get('content-type'), /^text\/plain/, what)
        assert.match(await response.text(), message, what)
      }
      if (backend.redis) await untilNoPatterns(backend.redis)
      await server.close()
    })

    test('a resume whose events were trimmed gets a tidings:trimmed frame, then the oldest kept', async () => {
      const { bus, cursor, kept } = await trimmedBus(backend)
      const server = await serve(bus, { pattern: 'trim.*' })
      const stream = await server.open({ header: cursor })
      const signal = await stream.nextEvent()
      assert.equal(signal.event, 'tidings:trimmed')
      assert.equal(signal.id, undefined, 'no id: a reconnect resumes from the last event it got')
      assert.equal(signal.data.type, 'tidings:trimmed')
      assert.match(signal.data.message, /trimmed/)
      const [oldest, next] = await stream.nextEvents(2)
      assert.deepEqual([oldest.data.id, next.data.id], [kept[0].id, kept[1].id])
      assert.equal(oldest.id, kept[0].cursor)
      await stream.cancel()
      await server.close()
    })

    test('a quiet stream gets heartbeat comments', async () => {
      const bus = await backend.open()
      const server = await serve(bus, { pattern: 'quiet.*', heartbeatMs: 50 })
      const stream = await server.open()
      assert.deepEqual(await stream.next(), ['retry: 2000', ': connected'])
      assert.deepEqual(await stream.next(), [': heartbeat'])
      assert.deepEqual(await stream.next(), [': heartbeat'])
      await stream.cancel()
      await server.close()
    })

    test('sseResponse without a server: abort unsubscribes and ends the body', async () => {
      const bus = await backend.open()
      const aborted = new AbortController()
      const response = await bus.sseResponse(new Request('http://x/events', { signal: aborted.signal }), 'abort.*')
      const stream = frames(response)
      await stream.next()
      const id = await bus.emit('abort.x', 1)
      assert.equal((await stream.nextEvent()).data.id, id)
      aborted.abort()
      assert.equal(await stream.next(), null, 'the body ends')
      await assert.rejects(bus.sseResponse(new Request('http://x/'), 'bad pattern'), { code: 'TIDINGS_INVALID_PATTERN' })
      for (const options of [{ named: 'yes' }, { heartbeatMs: 0 }, { heartbeatMs: 1.5 }]) {
        await assert.rejects(bus.sseResponse(new Request('http://x/'), 'a.*', options), { code: 'TIDINGS_CONFIG' })
      }
    })
  })
}

describe('SSE and Redis pattern subscriptions', () => {
  test('a client that disconnects is unsubscribed on the server', async () => {
    const backend = setup.list.find((b) => b.name === 'redis')
    const bus = await backend.open()
    const server = await serve(bus, { pattern: 'gone.*' })
    const stream = await server.open()
    await stream.next()
    assert.equal(backend.redis.cli('PUBSUB', 'NUMPAT'), '1')
    await stream.cancel()
    await untilNoPatterns(backend.redis)
    await server.close()
  })
})
