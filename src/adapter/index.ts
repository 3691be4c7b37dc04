/**
 * The reference implementation's conformance adapter. Its default export is the
 * {@link ImplementationFactory} that `backup-conformance run` uses by default.
 *
 * @packageDocumentation
 */
import type { ImplementationFactory } from '../../conformance/adapter.js';
import { ReferenceImplementation } from './reference-implementation.js';

export { ReferenceImplementation } from './reference-implementation.js';
export { ReferenceConnection } from './reference-connection.js';
export { RecordingOutput, type RecordingOutputOptions } from './recording-output.js';

/** Makes a fresh, isolated reference implementation. */
const referenceFactory: ImplementationFactory = () => new ReferenceImplementation();
export default referenceFactory;
