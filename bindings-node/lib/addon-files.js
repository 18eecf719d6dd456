'use strict'
// Where the native addon for this platform is looked for: the file names `napi build
// --platform` gives (`tidings.<platform>-<arch>[-<abi>].node`), beside package.json. Shared by
// the loader (lib/native.js) and the install script, which keeps a prebuilt addon it finds.

const { existsSync } = require('node:fs')
const { join } = require('node:path')

/** The platform names this process can load, best first (`linux-x64-gnu`, …). */
function platformNames() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return glibc ? [`linux-${arch}-gnu`, `linux-${arch}-musl`] : [`linux-${arch}-musl`, `linux-${arch}-gnu`]
  }
  if (platform === 'win32') return [`win32-${arch}-msvc`]
  return [`${platform}-${arch}`]
}

/** The candidate addon files in the package at `root`, best first. */
function addonFiles(root) {
  return platformNames().map((name) => join(root, `tidings.${name}.node`))
}

/** The addon file present in the package at `root` for this platform, or undefined. */
function findAddon(root) {
  return addonFiles(root).find((file) => existsSync(file))
}

module.exports = { platformNames, addonFiles, findAddon }
