// tidings/testing as an ES module: the same exports as testing.js.
import testing from './testing.js'

export const { createTestBus, TestBus } = testing
export default testing
