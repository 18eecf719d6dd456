// `bus.sseResponse` over real HTTP: the example's node:http server (examples/node/
// sse-server.mjs) and fetch. Frames carry the core's framing; a reconnect with Last-Event-ID
// resumes with no gap and no duplicate; quiet streams get heartbeats; a client that leaves is
// unsubscribed. On memory:// and Redis.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createSseServer } from '../../examples/node/sse-server.mjs'
import { backends, within } from './support.mjs'

const setup = backends()

/** Serves `bus` on a free port; resolves to the base URL and a `close()`. */
async function serve(bus, options) {
  const server = createSseServer(bus, options)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    base: `http://127.0.0.1:${server.address().port}`,
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

for (const backend of setup.list) {
  describe(`SSE on ${backend.name}`, () => {
    test('streams the prelude, then each event as a frame: id = position, event = type', async () => {
      const bus = await backend.open()
      const server = await serve(bus, { pattern: 'user.*' })
      const response = await fetch(`${server.base}/events`)
      assert.equal(response.status, 200)
      assert.match(response.headers.get('content-type'), /^text\/event-stream/)
      assert.equal(response.headers.get('cache-control'), 'no-cache, no-transform')
      const stream = frames(response)
      assert.deepEqual(await stream.next(), ['retry: 2000', ': connected'])
      // The prelude is sent once the subscription is established, so what follows is delivered.
      const emitted = [
        await bus.emitEvent('user.login', { userId: 1, note: 'two\nlines' }, { subject: 'u-1' }),
        await bus.emitEvent('order.placed', { orderId: 2 }),
        await bus.emitEvent('user.logout', { userId: 1 }),
      ]
      for (const expected of [emitted[0], emitted[2]]) {
        const frame = await stream.nextEvent()
        assert.equal(frame.lines.length, 3, 'id, event and one data line')
        assert.equal(frame.id, expected.position)
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
      const first = frames(await fetch(`${server.base}/events`))
      await first.next()
      const ids = []
      for (let n = 0; n < 3; n++) ids.push(await bus.emit('feed.item', n))
      const seen = [await first.nextEvent(), await first.nextEvent()]
      assert.deepEqual(seen.map((f) => f.data.id), ids.slice(0, 2))
      await first.cancel()
      // Emitted while the browser is away.
      for (let n = 3; n < 5; n++) ids.push(await bus.emit('feed.item', n))
      const again = frames(await fetch(`${server.base}/events`, { headers: { 'Last-Event-ID': seen[1].id } }))
      const resumed = []
      for (let n = 0; n < 3; n++) resumed.push((await again.nextEvent()).data.id)
      assert.deepEqual(resumed, ids.slice(2))
      ids.push(await bus.emit('feed.item', 5))
      assert.equal((await again.nextEvent()).data.id, ids[5], 'and then follows live')
      await again.cancel()
      await server.close()
    })

    test('a quiet stream gets heartbeat comments', async () => {
      const bus = await backend.open()
      const server = await serve(bus, { pattern: 'quiet.*', heartbeatMs: 50 })
      const stream = frames(await fetch(`${server.base}/events`))
      assert.deepEqual(await stream.next(), ['retry: 2000', ': connected'])
      assert.deepEqual(await stream.next(), [': heartbeat'])
      assert.deepEqual(await stream.next(), [': heartbeat'])
      await stream.cancel()
      await server.close()
    })

    test('a Last-Event-ID that is not a position is a 400', async () => {
      const bus = await backend.open()
      const server = await serve(bus)
      const response = await fetch(`${server.base}/events`, { headers: { 'Last-Event-ID': 'yesterday' } })
      assert.equal(response.status, 400)
      assert.match(await response.text(), /not a position/)
      await server.close()
    })

    test('sseResponse without a server: abort unsubscribes and ends the body', async () => {
      const bus = await backend.open()
      const aborted = new AbortController()
      const response = bus.sseResponse(new Request('http://x/events', { signal: aborted.signal }), 'abort.*')
      const stream = frames(response)
      await stream.next()
      const id = await bus.emit('abort.x', 1)
      assert.equal((await stream.nextEvent()).data.id, id)
      aborted.abort()
      assert.equal(await stream.next(), null, 'the body ends')
      assert.throws(() => bus.sseResponse(new Request('http://x/'), 'bad pattern'), { code: 'TIDINGS_INVALID_PATTERN' })
    })
  })
}

describe('SSE and Redis pattern subscriptions', () => {
  test('a client that disconnects is unsubscribed on the server', async () => {
    const backend = setup.list.find((b) => b.name === 'redis')
    const bus = await backend.open()
    const server = await serve(bus, { pattern: 'gone.*' })
    const stream = frames(await fetch(`${server.base}/events`))
    await stream.next()
    assert.equal(backend.redis.cli('PUBSUB', 'NUMPAT'), '1')
    await stream.cancel()
    await untilNoPatterns(backend.redis)
    await server.close()
  })
})
