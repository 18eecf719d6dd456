'use strict'
// Loads the native addon for this platform (lib/addon-files.js says where it is looked for),
// with a message that says what to do when this package carries none for this platform.

const { join } = require('node:path')
const { addonFiles, findAddon } = require('./addon-files.js')

const root = join(__dirname, '..')

function load() {
  const found = findAddon(root)
  if (!found) {
    throw new Error(
      `tidings: no native addon for this platform (looked for ${addonFiles(root).join(', ')}). ` +
        'The packed package carries one for linux-x64-gnu; elsewhere, build it from a checkout ' +
        'of tidings: `npm install /path/to/tidings/bindings-node` (needs Rust\'s cargo; with npm 12 ' +
        'or later allow its install script first: `npm install-scripts approve tidings`, then ' +
        '`npm rebuild tidings`), or `npm run build` in bindings-node/.',
    )
  }
  return require(found)
}

module.exports = load()
