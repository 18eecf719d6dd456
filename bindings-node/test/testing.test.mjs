// tidings/testing: a private memory:// bus that remembers what it emitted, with the
// `assertEmitted` / `assertNotEmitted` helpers of an event-system mock, used as a unit test would.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AssertionError } from 'node:assert'
import { createTestBus, TestBus } from 'tidings/testing'
import { Bus } from 'tidings'

class UserService {
  constructor(events) {
    this.events = events
  }

  async registerUser({ email }) {
    await this.events.emit('user.registered', { email }, { subject: email })
  }
}

test('a service emits, the test asserts', async () => {
  const bus = await createTestBus()
  assert.ok(bus instanceof TestBus && bus instanceof Bus)
  await new UserService(bus).registerUser({ email: 'test@example.com' })
  const event = bus.assertEmitted('user.registered')
  assert.equal(event.data.email, 'test@example.com')
  assert.match(event.position, /^\d+-\d+$/)
  bus.assertNotEmitted('user.deleted')
  assert.throws(() => bus.assertEmitted('user.deleted'), AssertionError)
  assert.throws(() => bus.assertNotEmitted('user.registered'), /should not have been emitted/)
  await bus.close()
})

test('emitted records emit, emitEvent and emitMany in order; where narrows; clear forgets', async () => {
  const bus = await createTestBus({ source: 'tests' })
  await bus.emit('a.one', 1)
  await bus.emitEvent('a.two', 2)
  await bus.emitMany([{ type: 'a.three', data: 3 }, { type: 'a.one', data: 4 }])
  assert.deepEqual(bus.emitted.map((e) => [e.type, e.data]), [['a.one', 1], ['a.two', 2], ['a.three', 3], ['a.one', 4]])
  assert.equal(bus.assertEmitted('a.one', (e) => e.data === 4).data, 4)
  assert.throws(() => bus.assertEmitted('a.one', (e) => e.data === 5), AssertionError)
  assert.equal(bus.emitted[0].source, 'tests')
  await assert.rejects(bus.emit('bad type', 1), { code: 'TIDINGS_INVALID_TYPE' })
  assert.equal(bus.emitted.length, 4, 'a rejected emit is not recorded')
  bus.clear()
  bus.assertNotEmitted('a.one')
  assert.equal((await bus.history('*')).length, 4, 'the store keeps them')
  await bus.close()
})

test('test buses are private to each other', async () => {
  const [a, b] = await Promise.all([createTestBus(), createTestBus()])
  await a.emit('x.y', 1)
  assert.deepEqual(await b.history('*'), [])
  await Promise.all([a.close(), b.close()])
})
