'use strict'
// Loads the native addon that `napi build --platform` put beside package.json
// (`tidings.<platform>-<arch>[-<abi>].node`), with a clear message when it was never built.

const { existsSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')

function platformNames() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return glibc ? [`linux-${arch}-gnu`, `linux-${arch}-musl`] : [`linux-${arch}-musl`, `linux-${arch}-gnu`]
  }
  if (platform === 'win32') return [`win32-${arch}-msvc`]
  return [`${platform}-${arch}`]
}

function load() {
  const files = platformNames().map((name) => join(root, `tidings.${name}.node`))
  const found = files.find((file) => existsSync(file))
  if (!found) {
    throw new Error(
      `tidings: the native addon is not built (looked for ${files.join(', ')}). ` +
        'It is built by its install script, which needs Rust (cargo): run `npm rebuild tidings` ' +
        'in your project (with npm 12 or later, allow the script first: `npm install-scripts approve tidings`), ' +
        'or `npm run build` in bindings-node/.',
    )
  }
  return require(found)
}

module.exports = load()
