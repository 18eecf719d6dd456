// A small program to copy: connect, subscribe to `user.*`, emit a few events, read history.
// Uses TIDINGS_URL (e.g. redis://127.0.0.1:6390/) and falls back to the embedded memory://
// backend when it is not set. `make demo` runs it beside the other languages' demos.

import { connect } from 'tidings'

const url = process.env.TIDINGS_URL || 'memory://'
console.log(url.startsWith('memory://') ? '[node] no TIDINGS_URL: using the embedded memory:// backend' : `[node] connecting to ${url}`)
const bus = await connect(url, { source: 'examples/node' })

// Subscribe before emitting: a live subscription sees what is emitted after it is established.
let received = 0
let allSeen
const seen = new Promise((resolve) => (allSeen = resolve))
const unsubscribe = bus.subscribe('user.*', (event) => {
  console.log(`[node] live  ${event.type.padEnd(16)} position ${event.position} data ${JSON.stringify(event.data)}`)
  if (++received === 3) allSeen()
})
await unsubscribe.ready

await bus.emit('user.registered', { userId: 123, email: 'ada@example.com' })
await bus.emit('user.login', { userId: 123, device: 'iPhone 14' }, { subject: 'user-123', metadata: { ip: '192.168.1.1' } })
await bus.emit('order.placed', { orderId: 9, total: 42.5 })
const last = await bus.emit('user.logout', { userId: 123 })
console.log(`[node] emitted 4 events; the last id is ${last}`)

// `user.*` selects three of the four; the order event is not delivered here.
await seen
unsubscribe()

const history = await bus.history('*', { limit: 10 })
console.log(`[node] history of '*' (newest first): ${history.length} events`)
for (const event of history) console.log(`[node]   ${event.type.padEnd(16)} from ${event.source.padEnd(16)} ${JSON.stringify(event.data)}`)
const emitted = Object.values(bus.metrics().types).reduce((sum, figures) => sum + figures.emitted, 0)
console.log(`[node] metrics: ${emitted} events emitted by this process`)
await bus.close()
