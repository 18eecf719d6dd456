'use strict'
// Builds the native addon with @napi-rs/cli; also the package's `install` script.
//
// In a checkout of tidings it builds the addon from source (cargo rebuilds only what changed,
// so an addon left from an older checkout is never kept). A copy of the package (`npm install
// --install-links`) cannot build: the crate builds against the workspace's core, which a copy
// does not carry. So a copy keeps the addon it carries for this platform, and a copy without
// one says so and stops.
//
// Run by hand or by make it always builds: `node scripts/build-addon.js [--debug | --profile
// NAME] [--output-dir DIR]` (release by default; the addon lands in DIR, default this package).
//
// npm installs a local directory as a symlink and runs this script in it, but it installs none
// of the linked package's own dependencies. So the CLI comes from this package's committed
// package-lock.json, through `npm ci --ignore-scripts` (without scripts: this one would recurse).

const { spawnSync } = require('node:child_process')
const { existsSync, readFileSync } = require('node:fs')
const { join } = require('node:path')
const { findAddon, platformNames } = require('../lib/addon-files.js')

const root = join(__dirname, '..')
const args = process.argv.slice(2)
const debug = args.includes('--debug')
const profile = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined
const outputDir = args.includes('--output-dir') ? args[args.indexOf('--output-dir') + 1] : undefined

function fail(message) {
  console.error(`tidings: ${message}`)
  process.exit(1)
}

function run(command, commandArgs) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', env: childEnv() })
  if (result.error) fail(`could not run ${command}: ${result.error.message}`)
  if (result.status !== 0) fail(`${command} ${commandArgs.join(' ')} failed (exit ${result.status ?? result.signal})`)
}

// The outer npm passes its settings down as npm_config_* variables; the nested `npm ci` must
// act on this directory alone, so it keeps only those that say how to reach the registry.
function childEnv() {
  const keep = /^npm_config_(registry|cache|userconfig|globalconfig|(https?_)?proxy|noproxy|strict_ssl|cafile|ca|offline|prefer_offline|loglevel)$/i
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name) || keep.test(name)),
  )
}

function napiCli() {
  const manifest = join(root, 'node_modules', '@napi-rs', 'cli', 'package.json')
  if (!existsSync(manifest)) return null
  return join(root, 'node_modules', '@napi-rs', 'cli', JSON.parse(readFileSync(manifest, 'utf8')).bin.napi)
}

/** True in a checkout of tidings, where the crate's workspace (and the core) are beside it. */
function sourceIsHere() {
  return existsSync(join(root, 'Cargo.toml')) && existsSync(join(root, '..', 'core', 'Cargo.toml'))
}

if (!sourceIsHere()) {
  if (findAddon(root)) process.exit(0)
  fail(
    `this copy of the package carries no native addon for ${platformNames()[0]} and no source to build one. ` +
      'Install the package built for this platform, or build from a checkout of tidings: ' +
      '`npm install /path/to/tidings/bindings-node` (needs Rust\'s cargo).',
  )
}
if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
  fail('building the native addon needs Rust: install cargo (https://rustup.rs or your OS packages) and run `npm rebuild tidings`')
}
if (!napiCli()) {
  const npm = process.env.npm_execpath
  if (npm && npm.endsWith('.js')) run(process.execPath, [npm, 'ci', '--ignore-scripts', '--no-audit', '--no-fund'])
  else run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'])
}
const cli = napiCli() ?? fail('@napi-rs/cli is missing after `npm ci`')
const options = debug ? [] : profile ? ['--profile', profile] : ['--release']
// `--dts` is relative to the output directory: a package staged elsewhere gets its own copy.
const output = outputDir ? ['--output-dir', outputDir] : []
run(process.execPath, [cli, 'build', '--platform', ...options, '--no-js', ...output, '--dts', 'lib/native.d.ts'])
