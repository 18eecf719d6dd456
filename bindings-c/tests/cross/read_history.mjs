// Reads the history of one event type through the Node binding and prints each event's fields
// (as that binding hands them out) as one line of JSON, for the C cross-language test.
// Usage: node read_history.mjs <url> <type>
import { connect } from '../../../bindings-node/index.mjs'

const [url, type] = process.argv.slice(2)
const bus = await connect(url)
try {
  for (const event of await bus.history(type, { limit: 1000 })) {
    const fields = {
      id: event.id,
      type: event.type,
      source: event.source,
      time_ms: event.time.getTime(),
      subject: event.subject ?? null,
      version: event.version,
      metadata: event.metadata ?? null,
      data: event.data,
      position: event.position ?? null,
    }
    console.log(JSON.stringify(fields))
  }
} finally {
  await bus.close()
}
