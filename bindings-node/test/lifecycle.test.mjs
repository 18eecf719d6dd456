// The process and its resources: open subscriptions keep Node running only until close();
// unsubscribing, leaving a loop, aborting an SSE client or dropping a never-read stream
// releases the Redis pattern subscription (PUBSUB NUMPAT is the observable resource).

import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { backends, within } from './support.mjs'

const setup = backends()
const redis = () => setup.redis()
const patterns = () => Number(redis().cli('PUBSUB', 'NUMPAT'))

/** Resolves once Redis holds `count` pattern subscriptions (the hub confirms asynchronously). */
async function untilPatterns(count, nudge = () => {}) {
  await within(
    (async () => {
      while (patterns() !== count) {
        nudge()
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    })(),
    `${count} pattern subscriptions (have ${patterns()})`,
  )
}

/** Runs `code` as an ES module in a child Node (with `url` set); resolves to its exit code. */
async function runChild(code, url, ...flags) {
  const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', code], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { ...process.env, TIDINGS_URL: url },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  const [exitCode] = await within(once(child, 'exit'), 'the child process to exit')
  return exitCode
}

describe('process lifetime', () => {
  for (const [name, url] of [['memory', () => 'memory://'], ['redis', () => redis().url]]) {
    test(`subscriptions do not keep Node alive after close() (${name})`, async () => {
      const code = `
        import { connect } from 'tidings'
        const bus = await connect(process.env.TIDINGS_URL)
        const unsubscribe = bus.subscribe('user.*', () => {})
        const stream = bus.events('*', { from: 'start' })
        const reading = (async () => { for await (const e of stream) {} })()
        const response = await bus.sseResponse(new Request('http://x/'), '*')
        const body = response.body.getReader()
        await Promise.all([unsubscribe.ready, stream.ready, body.read()])
        await bus.emit('user.login', { userId: 1 })
        await bus.close()
        await reading
        while (!(await body.read()).done) {}
      `
      assert.equal(await runChild(code, url()), 0)
    })
  }
})

describe('no leaks on Redis', () => {
  test('unsubscribe, leaving a loop and closing a stream release the pattern', async () => {
    const bus = await setup.list[1].open()
    for (let round = 0; round < 50; round++) {
      const unsubscribe = bus.subscribe(`leak.${round}.*`, () => {})
      const stream = bus.events(`leak.${round}.x`)
      await Promise.all([unsubscribe.ready, stream.ready])
      unsubscribe()
      stream.close()
    }
    const stream = bus.events('leak.loop')
    await stream.ready
    await bus.emit('leak.loop', 1)
    for await (const _ of stream) break
    await untilPatterns(0)
  })

  test('a stream that is dropped unread is released when collected', async () => {
    const code = `
      import { connect } from 'tidings'
      const bus = await connect(process.env.TIDINGS_URL)
      for (let n = 0; n < 20; n++) await bus.events('dropped.' + n).ready
      console.log('subscribed')
      const numpat = async () => {
        const { execFileSync } = await import('node:child_process')
        const port = new URL(process.env.TIDINGS_URL).port
        return Number(execFileSync('redis-cli', ['-p', port, 'PUBSUB', 'NUMPAT'], { encoding: 'utf8' }))
      }
      // One pattern subscription for the bus's one reader, whatever the number of streams.
      if ((await numpat()) !== 1) process.exit(4)
      for (let tries = 0; (await numpat()) !== 0; tries++) {
        if (tries > 500) process.exit(5)
        globalThis.gc()
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      await bus.close()
    `
    assert.equal(await runChild(code, redis().url, '--expose-gc'), 0)
  })
})
