// The package as users load it: `require('tidings')`, `import { connect } from 'tidings'`, the
// `tidings/testing` subpath, and index.d.ts / testing.d.ts: each declares exactly the runtime
// exports, and test/types/usage.ts (every declaration in use) compiles under `tsc --strict`.
// 'tidings' is whatever resolves from here: this checkout's package, or, with this file and
// test/types/ copied beside an installed package (tests/dist/run.sh), the installed one.

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esm from 'tidings'
import * as esmTesting from 'tidings/testing'

const require = createRequire(import.meta.url)
const root = dirname(require.resolve('tidings/package.json'))
const ts = require('typescript')

test('require and import give the same API', async () => {
  const cjs = require('tidings')
  assert.equal(typeof cjs.connect, 'function')
  assert.equal(esm.connect, cjs.connect)
  assert.equal(esm.default, cjs)
  const bus = await esm.connect()
  assert.ok(bus instanceof cjs.Bus)
  await bus.close()
  assert.equal(esmTesting.createTestBus, require('tidings/testing').createTestBus)
})

/** The names a declaration file exports (values and types). */
function declaredExports(file) {
  const program = ts.createProgram([file], { strict: true, types: [] })
  const checker = program.getTypeChecker()
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(file))
  return checker.getExportsOfModule(symbol).map((s) => [s.getName(), (s.flags & ts.SymbolFlags.Value) !== 0])
}

for (const [file, module] of [['index.d.ts', 'tidings'], ['testing.d.ts', 'tidings/testing']]) {
  test(`${file} declares exactly the runtime exports of ${module}`, () => {
    const declaredValues = declaredExports(join(root, file))
      .filter(([, isValue]) => isValue)
      .map(([name]) => name)
      .sort()
    assert.deepEqual(declaredValues, Object.keys(require(module)).sort())
  })
}

test('every declaration in use compiles under tsc --strict', () => {
  const tsc = require.resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('types/tsconfig.json', import.meta.url))], {
    encoding: 'utf8',
  })
})

test('version is the version in package.json', () => {
  assert.equal(esm.version, require('tidings/package.json').version)
  assert.match(esm.version, /^\d+\.\d+\.\d+/)
})

test('a tidings error is an Error whose code is in errorCodes', async () => {
  const bus = await esm.connect()
  const error = await bus.emit('not valid', 1).catch((e) => e)
  assert.ok(error instanceof Error)
  assert.ok(esm.errorCodes.includes(error.code))
  await bus.close()
})
