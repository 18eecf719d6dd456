// The shared wire-format vectors (tests/vectors/) through the Node API: types via emit, patterns
// via subscribe and history (and what they select, live and in history, on memory:// and
// Redis), envelopes via `_decodeEnvelope` (the core's reader), cursors via `event.cursor` of
// delivered and history events and `from`. A vector marked `core_disagrees` must fail until
// the core is fixed, as in core/tests/vectors.rs.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { _decodeEnvelope } from 'tidings'
import { assertResumesExactly, backends, nextEvents, within } from './support.mjs'

const dir = new URL('../../tests/vectors/', import.meta.url)
const load = (name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'))
const setup = backends()

test('every vector file has a checker here', () => {
  const files = readdirSync(dir).filter((name) => name.endsWith('.json'))
  assert.deepEqual(files.sort(), ['cursors.json', 'envelopes.json', 'patterns.json', 'types.json'])
})

describe('types.json', () => {
  const vectors = load('types.json')
  test('valid types emit; invalid ones reject with the error, on memory://', async () => {
    const bus = await setup.list[0].open()
    for (const type of vectors.valid) await bus.emit(type, { type })
    for (const type of vectors.invalid) {
      await assert.rejects(bus.emit(type, {}), { code: vectors.error }, JSON.stringify(type))
    }
    const stored = await bus.history('*', { limit: 1000 })
    assert.deepEqual(new Set(stored.map((e) => e.type)), new Set(vectors.valid))
  })
})

describe('patterns.json', () => {
  const vectors = load('patterns.json')
  test('valid patterns subscribe and read history; invalid ones fail with the error', async () => {
    const bus = await setup.list[0].open()
    for (const pattern of vectors.valid) {
      bus.events(pattern).close()
      await bus.history(pattern)
    }
    for (const pattern of vectors.invalid) {
      const expected = { code: vectors.error }
      assert.throws(() => bus.events(pattern), expected, JSON.stringify(pattern))
      assert.throws(() => bus.subscribe(pattern, () => {}), expected, JSON.stringify(pattern))
      await assert.rejects(bus.history(pattern), expected, JSON.stringify(pattern))
    }
  })

  for (const backend of setup.list) {
    test(`what each pattern selects, live and in history, on ${backend.name}`, async () => {
      for (const { pattern, type, matches } of vectors.matches) {
        const bus = await backend.open()
        const stream = bus.events(pattern)
        await stream.ready
        const id = await bus.emit(type, null)
        // A type the pattern certainly selects: its stars written out.
        const sentinel = await bus.emit(pattern.replaceAll('*', 'x'), null)
        const delivered = []
        await within(
          (async () => {
            for await (const event of stream) {
              delivered.push(event.id)
              if (event.id === sentinel) break
            }
          })(),
          `the sentinel of ${pattern}`,
        )
        const what = `${JSON.stringify(pattern)} vs ${JSON.stringify(type)}`
        assert.equal(delivered.includes(id), matches, `live: ${what}`)
        const history = await bus.history(pattern, { limit: 10 })
        assert.equal(history.some((event) => event.id === id), matches, `history: ${what}`)
        await bus.close()
      }
    })
  }
})

describe('envelopes.json', () => {
  /** How `_decodeEnvelope` departs from the vector, or null when it agrees. */
  function departure(vector) {
    let event
    try {
      event = _decodeEnvelope(vector.json, vector.position)
    } catch (error) {
      if (vector.error) return error.code === vector.error ? null : `${error.code}: ${error.message}, expected ${vector.error}`
      return `rejected: ${error.code}: ${error.message}`
    }
    if (vector.error) return `accepted, expected ${vector.error}`
    const { expect } = vector
    const actual = {
      id: event.id,
      type: event.type,
      time_ms: event.time.getTime(),
      time: event.time.toISOString(),
      source: event.source,
      subject: event.subject ?? null,
      version: event.version,
      data: event.data,
      metadata: event.metadata ?? null,
    }
    for (const [field, value] of Object.entries(actual)) {
      try {
        assert.deepEqual(value, expect[field])
      } catch {
        return `${field} = ${JSON.stringify(value)}, expected ${JSON.stringify(expect[field])}`
      }
    }
    if ((event.position ?? null) !== vector.position) return `position = ${event.position}, expected ${vector.position}`
    return null
  }

  test('each envelope reads as the vector says', () => {
    const failures = []
    for (const vector of load('envelopes.json')) {
      const why = departure(vector)
      if (why && !vector.core_disagrees) failures.push(`${vector.name}: ${why}`)
      if (!why && vector.core_disagrees) failures.push(`${vector.name}: passes now; remove its core_disagrees mark`)
    }
    assert.deepEqual(failures, [])
  })

  test('bad arguments to _decodeEnvelope throw tidings errors', () => {
    assert.throws(() => _decodeEnvelope(5), { code: 'TIDINGS_INVALID_DATA' })
    assert.throws(() => _decodeEnvelope('{}', 'nope'), { code: 'TIDINGS_CONFIG' })
  })
})

describe('cursors.json', () => {
  const vectors = load('cursors.json')
  const memory = setup.list[0]

  test('format: a delivered and a history event carry the cursor the vector gives, at its own position', async () => {
    for (const vector of vectors.format) {
      const bus = await memory.open()
      const stream = bus.events(vector.pattern, { from: 'start' })
      await bus.emit(vector.type, null)
      const [delivered] = await nextEvents(stream, 1)
      const [stored] = await bus.history(vector.pattern)
      stream.close()
      assert.ok(vector.cursor.startsWith(vector.position), JSON.stringify(vector))
      const expected = delivered.position + vector.cursor.slice(vector.position.length)
      assert.equal(delivered.cursor, expected, `delivered: ${JSON.stringify(vector)}`)
      assert.equal(stored.cursor, expected, `history: ${JSON.stringify(vector)}`)
      await bus.close()
    }
  })

  test('invalid: subscribing from the cursor fails with the error', async () => {
    const bus = await memory.open()
    const failures = []
    for (const { pattern, cursor, why } of vectors.invalid) {
      const outcome = async (subscribe) => {
        try {
          await subscribe().ready
          return 'subscribed'
        } catch (error) {
          return error.code
        }
      }
      const viaEvents = await outcome(() => bus.events(pattern, { from: cursor }))
      const viaListener = await outcome(() => bus.subscribe(pattern, () => {}, { from: cursor, onError: () => {} }))
      for (const [how, code] of [['events', viaEvents], ['subscribe', viaListener]]) {
        if (code !== vectors.error) failures.push(`${why} (${how}): ${code}`)
      }
    }
    assert.deepEqual(failures, [])
  })

  test('resume: from the cursor of each delivered event comes exactly the rest', async () => {
    const { pattern, emit } = vectors.resume
    const bus = await memory.open()
    const ids = await bus.emitMany(emit.map(([type, data]) => ({ type, data })))
    const delivered = await nextEvents(bus.events(pattern, { from: 'start' }), ids.length)
    assert.deepEqual(delivered.map((event) => event.id), ids)
    await assertResumesExactly(bus, pattern, delivered, `${pattern.replaceAll('*', 'marker')}`)
  })
})
