'use strict'
// tidings/testing: a bus on a private memory:// store that remembers what it emitted, with the
// familiar assertions (`assertEmitted`, `assertNotEmitted`) for unit tests of code that emits.
// Everything else is the real bus: same validation, same delivery, same history.

const { AssertionError } = require('node:assert')
const native = require('./lib/native.js')
const { Bus } = require('./index.js')

/** A memory:// bus for tests; `emitted` lists what it emitted, oldest first. */
class TestBus extends Bus {
  /** Every event this bus emitted, oldest first, as subscribers receive them. */
  emitted = []

  async emit(type, data, options) {
    const event = await super.emitEvent(type, data, options)
    this.emitted.push(event)
    return event.id
  }

  async emitEvent(type, data, options) {
    const event = await super.emitEvent(type, data, options)
    this.emitted.push(event)
    return event
  }

  async emitMany(events) {
    const ids = await super.emitMany(events)
    const wanted = new Set(ids)
    const stored = await this.history('*', { limit: Number.MAX_SAFE_INTEGER, order: 'oldest_first' })
    const byId = new Map(stored.filter((event) => wanted.has(event.id)).map((event) => [event.id, event]))
    this.emitted.push(...ids.map((id) => byId.get(id)))
    return ids
  }

  /**
   * The first emitted event of `type` (and, when given, for which `where(event)` is true);
   * throws an AssertionError when there is none.
   */
  assertEmitted(type, where = () => true) {
    const found = this.emitted.find((event) => event.type === type && where(event))
    if (!found) {
      throw new AssertionError({
        message: `Event ${type} was not emitted (emitted: ${this.emitted.map((e) => e.type).join(', ') || 'nothing'})`,
        actual: this.emitted.map((e) => e.type),
        expected: type,
        operator: 'assertEmitted',
      })
    }
    return found
  }

  /** Throws an AssertionError when an event of `type` (matching `where`, when given) was emitted. */
  assertNotEmitted(type, where = () => true) {
    const found = this.emitted.find((event) => event.type === type && where(event))
    if (found) {
      throw new AssertionError({
        message: `Event ${type} should not have been emitted (it was: ${found.id})`,
        actual: found,
        expected: undefined,
        operator: 'assertNotEmitted',
      })
    }
  }

  /** Forgets what was emitted (the store keeps it). */
  clear() {
    this.emitted.length = 0
  }
}

/** Connects a TestBus to a fresh private `memory://` store (options as for `connect`). */
async function createTestBus(options) {
  return new TestBus(await native.connect('memory://', options))
}

module.exports = { createTestBus, TestBus }
