// Cross-language: events emitted through Node are read back exactly by the Rust core
// (target/debug/tidings-probe) and by the Python binding (when it is built in ../.venv), and
// events emitted by the core reach Node live and in history. On the private redis-server.

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { backends, take } from './support.mjs'

const setup = backends()
const repo = fileURLToPath(new URL('../../', import.meta.url))
const targetDir = process.env.CARGO_TARGET_DIR || `${repo}target`
const probe = `${targetDir}/debug/tidings-probe`
const python = `${repo}.venv/bin/python`

const PYTHON_READER = `
import sys, tidings
bus = tidings.connect_sync(sys.argv[1])
for event in bus.history(sys.argv[2], limit=1000, order="oldest_first"):
    print(event.to_json())
bus.close()
`

function pythonBinding() {
  if (!existsSync(python)) return null
  try {
    execFileSync(python, ['-c', 'import tidings'], { stdio: 'ignore' })
    return python
  } catch {
    return null
  }
}

/** Node's view of an event in the envelope's terms, to compare with another reader's JSON. */
function asEnvelope(event) {
  return {
    id: event.id,
    type: event.type,
    source: event.source,
    time: event.time.toISOString(),
    subject: event.subject ?? null,
    version: event.version,
    metadata: event.metadata ?? null,
    data: event.data,
    position: event.position,
  }
}

function fromJsonLine(line) {
  const envelope = JSON.parse(line)
  return {
    id: envelope.id,
    type: envelope.type,
    source: envelope.source,
    time: envelope.time,
    subject: envelope.subject ?? null,
    version: envelope.version,
    metadata: envelope.metadata ?? null,
    data: envelope.data,
    position: envelope.position,
  }
}

const SAMPLES = [
  ['user.login', { userId: 123, device: 'iPhone 14' }, { subject: 'user-123', metadata: { ip: '192.168.1.1', userAgent: 'Mozilla/5.0' } }],
  ['user.registered.v2', { name: 'Zoë 😀', tags: ['a', 'b'], nested: { deep: [1, { x: null }] } }, { version: '2' }],
  ['order.placed', { total: 42.5, count: 3, negative: -7, big: 9007199254740991, tiny: 1e-7 }, undefined],
  ['order.placed', null, { subject: 'order-9' }],
  ['order.placed', 'just text with "quotes" and \\ backslash\nand a newline', undefined],
  ['alert', [1, 2, 3], { metadata: {} }],
]

describe('cross-language', () => {
  test('events emitted from Node are read back exactly by the Rust core and by Python', async (t) => {
    const bus = await setup.list[1].open({ namespace: undefined, source: 'tests/node-interop' })
    for (const [type, data, options] of SAMPLES) await bus.emit(type, data, options)
    const mine = (await bus.history('*', { limit: 100, order: 'oldest_first' })).map(asEnvelope)
    assert.equal(mine.length, SAMPLES.length)
    const url = setup.redis().url
    const fromCore = execFileSync(probe, ['history', url, '*'], { encoding: 'utf8' }).trim().split('\n').map(fromJsonLine)
    assert.deepEqual(fromCore, mine)
    const py = pythonBinding()
    if (!py) {
      t.skip('the Python binding is not built in .venv (make build-python)')
      return
    }
    const fromPython = execFileSync(py, ['-c', PYTHON_READER, url, '*'], { encoding: 'utf8' }).trim().split('\n').map(fromJsonLine)
    assert.deepEqual(fromPython, mine)
  })

  test('events emitted by the Rust core reach Node live and in history', async () => {
    const bus = await setup.list[1].open({ namespace: undefined })
    const stream = bus.events('probe.*')
    await stream.ready
    const url = setup.redis().url
    const emitted = fromJsonLine(
      execFileSync(probe, ['emit', url, 'probe.hello', '{"from":"rust","n":[1,2]}', 'subject-1'], { encoding: 'utf8' }),
    )
    const [live] = await take(stream, 1)
    assert.deepEqual(asEnvelope(live), emitted)
    const [stored] = await bus.history('probe.hello')
    assert.deepEqual(asEnvelope(stored), emitted)
  })
})
