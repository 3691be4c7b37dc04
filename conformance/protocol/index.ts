/**
 * The stdio protocol: server (implementation side), client (runner side), schemas, value encoding.
 *
 * @packageDocumentation
 */
export { serveImplementation, type ServeOptions } from './server.js';
export { stdioFactory, type StdioFactory, type StdioOptions } from './client.js';
export { splitCommandLine } from './command-line.js';
export { encodeValue, decodeValue, VALUE_TAGS } from './values.js';
export { PROTOCOL_SCHEMA, PROTOCOL_SCHEMA_ID } from './schemas.js';
export { protocolValidator, checkImplementationMessage, checkRunnerMessage } from './validate.js';
export {
  PROTOCOL_VERSION,
  METHODS,
  INSTANCE_METHODS,
  CONNECTION_METHODS,
  ARGUMENTS,
  type Method,
  type ConnectionMethod,
  type InstanceMethod,
} from './methods.js';
export { readLines, MAX_LINE_LENGTH } from './lines.js';
