// One bus per server process, shared by every route handler (Next.js may load this module more
// than once in development, so the promise is kept on globalThis).
import { connect } from 'tidings'

export function getBus() {
  globalThis.__tidingsBus ??= connect(process.env.TIDINGS_URL || 'memory://', { source: 'nextjs' }).catch(
    (error) => {
      globalThis.__tidingsBus = undefined // not cached: the next request tries to connect again
      throw error
    },
  )
  return globalThis.__tidingsBus
}
