// Bad input through the public API: wrong argument types, undefined, BigInt, cyclic objects,
// functions as data, bad types, patterns and options, a closed bus. Each gets an Error with a
// tidings `code` (a rejection for promise-returning calls), nothing is written, nothing
// crashes, and the good events around the bad ones all arrive. On memory:// and Redis.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { connect, errorCodes } from 'tidings'
import { backends, recorder, startRedis } from './support.mjs'

const setup = backends()

const code = (name) => (error) => {
  assert.ok(error instanceof Error, `${error} is an Error`)
  assert.equal(error.code, name, `${error.message}`)
  assert.ok(!error.message.startsWith('TIDINGS_'), 'the message does not repeat the code')
  return true
}

/** Calls `call`, which must not throw, and expects the promise it returns to reject with `name`. */
async function rejects(call, name) {
  let promise
  assert.doesNotThrow(() => {
    promise = call()
  })
  await assert.rejects(promise, code(name))
}

const cyclic = {}
cyclic.self = cyclic

/** An array nested `depth` levels deep. */
const deep = (depth) => Array.from({ length: depth }).reduce((inner) => [inner], [])

for (const backend of setup.list) {
  describe(`bad input on ${backend.name}`, () => {
    test('emit: bad types, data and options reject; good events around them all arrive', async () => {
      const bus = await backend.open()
      const seen = recorder()
      const unsubscribe = bus.subscribe('*', seen.listener)
      await unsubscribe.ready
      const good = [await bus.emit('good.one', 1)]
      const bad = [
        [() => bus.emit(), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit(undefined, {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit(null, {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit(42, {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit(['a'], {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit(Symbol('a'), {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit(1n, {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit('user login', {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit('user.*', {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit('a:b', {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit('x'.repeat(256), {}), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emit('good.two'), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', undefined), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 10n), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', { nested: [1, 2n] }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', cyclic), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', () => 1), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', Symbol('s')), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', { toJSON: () => undefined }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', { toJSON() { throw new Error('no JSON for me') } }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 'x'.repeat(2 * 1024 * 1024)), 'TIDINGS_INVALID_DATA'],
        // Deeper than any reader (serde_json, the core) can read back.
        [() => bus.emit('good.two', deep(200)), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 1, 'subject'), 'TIDINGS_CONFIG'],
        [() => bus.emit('good.two', 1, { subjet: 'typo' }), 'TIDINGS_CONFIG'],
        [() => bus.emit('good.two', 1, { subject: 5 }), 'TIDINGS_CONFIG'],
        [() => bus.emit('good.two', 1, { subject: '' }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 1, { version: '' }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 1, { metadata: ['not', 'an', 'object'] }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 1, { metadata: 'text' }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 1, { metadata: { n: 1n } }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emit('good.two', 1, { metadata: cyclic }), 'TIDINGS_INVALID_DATA'],
      ]
      for (const [call, name] of bad) await rejects(call, name)
      good.push(await bus.emit('good.two', { functionsAreDropped: () => 1, kept: true }))
      const sentinel = await bus.emit('good.sentinel', null)
      await seen.untilId(sentinel)
      assert.deepEqual(seen.events.map((e) => e.id), [...good, sentinel])
      assert.deepEqual(seen.events[1].data, { kept: true })
      const stored = await bus.history('*', { limit: 100, order: 'oldest_first' })
      assert.deepEqual(stored.map((e) => e.id), [...good, sentinel])
      unsubscribe()
    })

    test('emitMany: one bad event rejects the call and writes nothing', async () => {
      const bus = await backend.open()
      const bad = [
        [() => bus.emitMany(), 'TIDINGS_INVALID_DATA'],
        [() => bus.emitMany({ type: 'a', data: 1 }), 'TIDINGS_INVALID_DATA'],
        [() => bus.emitMany([null]), 'TIDINGS_INVALID_DATA'],
        [() => bus.emitMany([{ type: 'ok.a', data: 1 }, { data: 2 }]), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emitMany([{ type: 'ok.a', data: 1 }, { type: 'bad type', data: 2 }]), 'TIDINGS_INVALID_TYPE'],
        [() => bus.emitMany([{ type: 'ok.a', data: 1 }, { type: 'ok.b' }]), 'TIDINGS_INVALID_DATA'],
        [() => bus.emitMany([{ type: 'ok.a', data: 1 }, { type: 'ok.b', data: 1n }]), 'TIDINGS_INVALID_DATA'],
        [() => bus.emitMany([{ type: 'ok.a', data: 1, extra: true }]), 'TIDINGS_INVALID_DATA'],
        [() => bus.emitMany([{ type: 'ok.a', data: 1, subject: '' }]), 'TIDINGS_INVALID_DATA'],
      ]
      for (const [call, name] of bad) await rejects(call, name)
      await assert.rejects(bus.emitMany([{ type: 'ok.a', data: 1 }, { type: 'ok.b' }]), /emitMany\[1\]/)
      assert.deepEqual(await bus.history('*'), [])
      assert.deepEqual(await bus.emitMany([]), [])
      const ids = await bus.emitMany([{ type: 'ok.a', data: null }])
      assert.equal((await bus.history('*'))[0].id, ids[0])
    })

    test('subscribe and events: bad arguments throw at once', async () => {
      const bus = await backend.open()
      const syncThrows = [
        [() => bus.subscribe(undefined, () => {}), 'TIDINGS_INVALID_PATTERN'],
        [() => bus.subscribe(5, () => {}), 'TIDINGS_INVALID_PATTERN'],
        [() => bus.subscribe('user.**.[a]', () => {}), 'TIDINGS_INVALID_PATTERN'],
        [() => bus.subscribe('', () => {}), 'TIDINGS_INVALID_PATTERN'],
        [() => bus.subscribe('a', () => {}, { from: 'yesterday' }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, { from: -1 }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, { from: NaN }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, { from: 1.5 }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, { from: 1n }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, { from: {} }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, { from: new Date(NaN) }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, { form: 'start' }), 'TIDINGS_CONFIG'],
        [() => bus.subscribe('a', () => {}, 'start'), 'TIDINGS_CONFIG'],
        [() => bus.events('a b'), 'TIDINGS_INVALID_PATTERN'],
        [() => bus.events('a', { from: '12' }), 'TIDINGS_CONFIG'],
        [() => bus.events('a', { batchSize: -1 }), 'TIDINGS_CONFIG'],
      ]
      for (const [call, name] of syncThrows) assert.throws(call, code(name))
      for (const listener of [undefined, null, 'x', {}]) {
        assert.throws(() => bus.subscribe('a', listener), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
      }
      assert.throws(() => bus.subscribe('a', () => {}, { onError: 'log' }), { name: 'TypeError' })
    })

    test('history and connect: bad arguments reject', async () => {
      const bus = await backend.open()
      await rejects(() => bus.history(), 'TIDINGS_INVALID_PATTERN')
      await rejects(() => bus.history('a b'), 'TIDINGS_INVALID_PATTERN')
      await rejects(() => bus.history('a', { limit: -1 }), 'TIDINGS_CONFIG')
      await rejects(() => bus.history('a', { limit: '10' }), 'TIDINGS_CONFIG')
      await rejects(() => bus.history('a', { since: 'yesterday' }), 'TIDINGS_CONFIG')
      await rejects(() => bus.history('a', { until: {} }), 'TIDINGS_CONFIG')
      await rejects(() => bus.history('a', { order: 'sideways' }), 'TIDINGS_CONFIG')
      await rejects(() => bus.history('a', { lmit: 5 }), 'TIDINGS_CONFIG')
      await rejects(() => connect(backend.url(), { namespace: 'a:b' }), 'TIDINGS_CONFIG')
      await rejects(() => connect(backend.url(), { namespce: 'a' }), 'TIDINGS_CONFIG')
      await rejects(() => connect(backend.url(), { retry: { attempts: 0 } }), 'TIDINGS_CONFIG')
      await rejects(() => connect(backend.url(), { retry: 3 }), 'TIDINGS_CONFIG')
      await rejects(() => connect(backend.url(), { source: '' }), 'TIDINGS_CONFIG')
      await rejects(() => connect(backend.url(), 'options'), 'TIDINGS_CONFIG')
      await rejects(() => connect(42), 'TIDINGS_CONFIG')
      await rejects(() => connect('http://localhost'), 'TIDINGS_CONFIG')
    })

    test('a closed bus rejects and throws TIDINGS_CLOSED; closing twice is fine', async () => {
      const bus = await backend.open()
      await bus.close()
      await bus.close()
      await rejects(() => bus.emit('a', 1), 'TIDINGS_CLOSED')
      await rejects(() => bus.emitEvent('a', 1), 'TIDINGS_CLOSED')
      await rejects(() => bus.emitMany([{ type: 'a', data: 1 }]), 'TIDINGS_CLOSED')
      await rejects(() => bus.history('a'), 'TIDINGS_CLOSED')
      assert.throws(() => bus.subscribe('a', () => {}), code('TIDINGS_CLOSED'))
      assert.throws(() => bus.events('a'), code('TIDINGS_CLOSED'))
      assert.deepEqual(bus.metrics().types, {})
    })
  })
}

describe('errors', () => {
  test('every code is the core kind name, in code order', () => {
    assert.deepEqual(errorCodes, [
      'TIDINGS_INVALID_TYPE',
      'TIDINGS_INVALID_PATTERN',
      'TIDINGS_INVALID_DATA',
      'TIDINGS_CONNECTION',
      'TIDINGS_TIMEOUT',
      'TIDINGS_CLOSED',
      'TIDINGS_BACKEND',
      'TIDINGS_CONFIG',
      'TIDINGS_INTERNAL',
      'TIDINGS_TRIMMED',
    ])
    assert.ok(Object.isFrozen(errorCodes))
  })

  test('an unreachable Redis rejects connect with TIDINGS_CONNECTION', async () => {
    const gone = await startRedis()
    await gone.stop()
    await rejects(() => connect(gone.url, { connectTimeoutMs: 2000 }), 'TIDINGS_CONNECTION')
  })
})
