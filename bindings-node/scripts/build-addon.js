'use strict'
// The package's install script: builds the native addon in release mode with @napi-rs/cli, so
// that `npm install ./bindings-node` (or `npm rebuild tidings`) leaves a working package.
//
// npm installs a local directory as a symlink and runs this script in it, but it installs none
// of the linked package's own dependencies. So the CLI comes from this package's committed
// package-lock.json, through `npm ci --ignore-scripts` (without scripts: this one would recurse).
// `node scripts/build-addon.js --debug` builds in debug mode instead, as the tests do.

const { spawnSync } = require('node:child_process')
const { existsSync, readFileSync } = require('node:fs')
const { join } = require('node:path')

const root = join(__dirname, '..')
const debug = process.argv.includes('--debug')

function fail(message) {
  console.error(`tidings: ${message}`)
  process.exit(1)
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: childEnv() })
  if (result.error) fail(`could not run ${command}: ${result.error.message}`)
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`)
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

if (spawnSync('cargo', ['--version'], { stdio: 'ignore' }).status !== 0) {
  fail('building the native addon needs Rust: install cargo (https://rustup.rs or your OS packages) and run `npm rebuild tidings`')
}
if (!napiCli()) {
  const npm = process.env.npm_execpath
  if (npm && npm.endsWith('.js')) run(process.execPath, [npm, 'ci', '--ignore-scripts', '--no-audit', '--no-fund'])
  else run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'])
}
const cli = napiCli() ?? fail('@napi-rs/cli is missing after `npm ci`')
const mode = debug ? [] : ['--release']
run(process.execPath, [cli, 'build', '--platform', ...mode, '--no-js', '--dts', 'lib/native.d.ts'])
