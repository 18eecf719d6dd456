// tidings for Node.js as an ES module: the same exports as index.js.
import tidings from './index.js'

export const { connect, Bus, EventStream, errorCodes, version, _decodeEnvelope } = tidings
export default tidings
