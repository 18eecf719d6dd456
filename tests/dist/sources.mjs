// Reads the history of every type since a time (ms since the epoch, the first argument) with
// the installed package and checks that events from each source named after it are there: the
// demos of the three languages, run one after another on one Redis, wrote them.
import { connect, version } from 'tidings'

const [since, ...expected] = process.argv.slice(2)
const bus = await connect(process.env.TIDINGS_URL)
const events = await bus.history('*', { since: Number(since), limit: 1000 })
await bus.close()
const seen = new Set(events.map((event) => event.source))
const missing = expected.filter((source) => !seen.has(source))
if (missing.length > 0) {
  console.error(`[dist] tidings ${version}: no events from ${missing.join(', ')} (saw ${[...seen].join(', ')})`)
  process.exit(1)
}
console.log(`[dist] tidings ${version}: ${events.length} events from ${expected.join(', ')}`)
