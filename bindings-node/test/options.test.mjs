// Every connect option of the core's schema, as Node spells it: accepted with a good value,
// refused with a bad one (TIDINGS_CONFIG, naming it), an unknown one refused, and each listed
// in index.d.ts's ConnectOptions.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'tidings'
import native from '../lib/native.js'

const dir = tmpdir()

const good = {
  namespace: 'shop',
  source: 'orders',
  retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 100, budgetMs: 1000 },
  maxEventSize: 4096,
  connectTimeoutMs: 1500,
  responseTimeoutMs: 2000,
  maxStreamLen: 1000,
  pollIntervalMs: 500,
  discoverStreams: true,
  deadLetterPath: join(dir, `tidings-dead-${process.pid}.jsonl`),
  deadLetterCapacity: 10,
  tlsCaCert: join(dir, 'ca.crt'),
  tlsClientCert: join(dir, 'client.crt'),
  tlsClientKey: join(dir, 'client.key'),
  lowLatency: true,
}

const bad = {
  namespace: 'a:b',
  source: '',
  retry: { attempts: -1 },
  maxEventSize: 0,
  connectTimeoutMs: 1.5,
  responseTimeoutMs: 'soon',
  maxStreamLen: 0,
  pollIntervalMs: Number.NaN,
  discoverStreams: 'yes',
  deadLetterPath: 3,
  deadLetterCapacity: -1,
  tlsCaCert: true,
  tlsClientCert: [],
  tlsClientKey: {},
  lowLatency: 1,
}

test('the tables cover the schema', () => {
  const names = native.connectOptionNames().sort()
  assert.deepEqual(Object.keys(good).sort(), names)
  assert.deepEqual(Object.keys(bad).sort(), names)
})

test('every option is accepted', async () => {
  const bus = await connect('memory://', good)
  assert.equal(bus.source, 'orders')
  await bus.close()
})

for (const [name, value] of Object.entries(bad)) {
  test(`a bad ${name} is refused by name`, async () => {
    await assert.rejects(
      () => connect('memory://', { [name]: value }),
      (err) => err.code === 'TIDINGS_CONFIG' && err.message.includes(name === 'retry' ? 'attempts' : snake(name)),
    )
  })
}

test('an unknown option and a lone client certificate are refused', async () => {
  await assert.rejects(() => connect('memory://', { connectTimeout: 5 }), (err) => err.code === 'TIDINGS_CONFIG' && err.message.includes('connectTimeoutMs'))
  await assert.rejects(() => connect('memory://', { tlsClientCert: good.tlsClientCert }), (err) => err.code === 'TIDINGS_CONFIG')
})

test('index.d.ts lists every option', () => {
  const types = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  const block = types.slice(types.indexOf('export interface ConnectOptions'))
  const body = block.slice(0, block.indexOf('\n}'))
  for (const name of native.connectOptionNames()) assert.match(body, new RegExp(`\\n  ${name}\\?:`), name)
})

/** The name as the core's checks spell it in messages about a value they refuse after reading
 *  it (`max_event_size must be positive`), or as the host spelled it. */
function snake(name) {
  return ['namespace', 'source', 'maxEventSize', 'maxStreamLen'].includes(name) ? name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : name
}
