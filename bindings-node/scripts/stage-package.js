'use strict'
// Lays out the npm package as the registry gets it, in the directory given, for `npm pack`:
// the JavaScript files, the type declarations, README and LICENSE, and a package.json without
// the checkout's scripts and dev dependencies. The prebuilt addon is added beside it by
// `build-addon.js --output-dir` (mk/dist.mk does both). The packed package compiles nothing
// when installed: it has no install script, and its loader names what to do on a platform
// it carries no addon for.

const { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs')
const { join, resolve } = require('node:path')

const root = join(__dirname, '..')
const stage = process.argv[2] ? resolve(process.argv[2]) : fail('usage: stage-package.js DIR')

function fail(message) {
  console.error(`tidings: ${message}`)
  process.exit(1)
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const shipped = manifest.files.filter((entry) => !entry.startsWith('scripts/') && !entry.endsWith('.node'))

rmSync(stage, { recursive: true, force: true })
mkdirSync(stage, { recursive: true })
for (const entry of [...shipped, 'README.md']) cpSync(join(root, entry), join(stage, entry), { recursive: true })
cpSync(join(root, '..', 'LICENSE'), join(stage, 'LICENSE'))

const { scripts, devDependencies, ...published } = manifest
void scripts
void devDependencies
published.files = [...shipped, 'tidings.*.node']
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(published, null, 2)}\n`)
