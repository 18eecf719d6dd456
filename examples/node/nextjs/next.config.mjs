// Next.js configuration of the example: what Next.js must be told to load tidings (a package
// with a native addon) at run time, and where this example's root is.
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

export default {
  // Needed: bundled, tidings cannot find its native addon (.node) beside its package.json.
  serverExternalPackages: ['tidings'],
  // Only because this folder sits inside another npm project (../package-lock.json): without
  // it Next guesses that one as the workspace root and warns. An app of your own needs no such line.
  turbopack: { root: dirname(fileURLToPath(import.meta.url)) },
}
