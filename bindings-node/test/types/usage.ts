// Uses every declaration of index.d.ts and testing.d.ts the way an application would; it must
// compile under `tsc --strict` (test/types.test.mjs runs it). Never executed.

import {
  Bus,
  connect,
  errorCodes,
  EventStream,
  version,
  _decodeEnvelope,
  type ConnectOptions,
  type EmitRequest,
  type ErrorCode,
  type Event,
  type From,
  type HistoryOptions,
  type JsonValue,
  type Metrics,
  type SseOptions,
  type TidingsError,
  type Unsubscribe,
} from 'tidings'
import { createTestBus, TestBus } from 'tidings/testing'

interface Login {
  userId: number
}

export async function everything(request: Request): Promise<Response> {
  const options: ConnectOptions = {
    namespace: 'shop',
    source: 'svc',
    retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 500 },
    maxEventSize: 1024,
    connectTimeoutMs: 1000,
    responseTimeoutMs: 1000,
    maxStreamLen: 10_000,
    pollIntervalMs: 0,
    discoverStreams: false,
  }
  const bus: Bus = await connect('redis://127.0.0.1:6379/', options)
  const id: string = await bus.emit('user.login', { userId: 1 }, { subject: 'u', metadata: { ip: 'x' }, version: '2' })
  const full: Event = await bus.emitEvent('user.login', { userId: 1 })
  const requests: EmitRequest[] = [{ type: 'a', data: null }, { type: 'b', data: 1, subject: 's' }]
  const ids: string[] = await bus.emitMany(requests)
  const unsubscribe: Unsubscribe = bus.subscribe<Login>(
    'user.*',
    (event) => {
      const userId: number = event.data.userId
      const time: Date = event.time
      const position: string = event.position
      const cursor: string | null = event.cursor
      void [userId, time, position, cursor, event.subject?.length, event.metadata?.ip]
    },
    { from: 'start', batchSize: 10, onError: (error, event, pattern) => void [error, event?.id, pattern] },
  )
  await unsubscribe.ready
  unsubscribe()
  const froms: From[] = ['live', 'start', '1-0', new Date(), Date.now()]
  const stream: EventStream<Login> = bus.events<Login>('user.*', { from: froms[0] })
  await stream.ready
  for await (const event of stream) {
    const userId: number = event.data.userId
    void userId
    break
  }
  const resumed = bus.events('user.*', { from: full.cursor ?? 'start' })
  try {
    await resumed.next()
  } catch (error) {
    const trimmed: boolean = (error as TidingsError).code === 'TIDINGS_TRIMMED'
    void trimmed
  }
  resumed.close()
  stream.close()
  const query: HistoryOptions = { limit: 5, since: new Date(), until: '1-0', order: 'oldest_first' }
  const events: Event[] = await bus.history('*', query)
  const metrics: Metrics = bus.metrics()
  const emitted: number = metrics.types['user.login'].emitted + metrics.invalid_entries
  const text: string = bus.prometheusMetrics()
  const decoded: Event = _decodeEnvelope('{}', null)
  const codes: readonly ErrorCode[] = errorCodes
  const release: string = version
  const data: JsonValue = decoded.data
  try {
    await bus.emit('bad type', 1)
  } catch (error) {
    const code: ErrorCode = (error as TidingsError).code
    void code
  }
  void [id, full, ids, events, emitted, text, codes, release, data, bus.closed, bus.source]
  const test: TestBus = await createTestBus({ source: 'tests' })
  await test.emit('user.registered', { email: 'a@b' })
  const found: Event = test.assertEmitted('user.registered', (event) => event.subject === undefined)
  test.assertNotEmitted('user.deleted')
  const all: readonly Event[] = test.emitted
  test.clear()
  void [found, all]
  await test.close()
  const sse: SseOptions = { heartbeatMs: 1000, named: false, from: 'start', headers: { 'X-Extra': '1' } }
  const response: Response = await bus.sseResponse(request, 'user.*', sse)
  await bus.close()
  return response
}
