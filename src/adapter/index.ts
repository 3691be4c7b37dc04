/**
 * The reference implementation's conformance adapter. Its default export is the
 * {@link ImplementationFactory} that `backup-conformance run` uses by default.
 *
 * @packageDocumentation
 */
import type { ImplementationFactory } from '../../conformance/adapter.js';
import { ReferenceImplementation, type ReferenceOptions } from './reference-implementation.js';

export { ReferenceImplementation, type ReferenceOptions } from './reference-implementation.js';
export { ReferenceConnection } from './reference-connection.js';
export { RecordingOutput, type RecordingOutputOptions } from './recording-output.js';

/** Makes a factory of reference implementations with the given options. */
export function createReferenceFactory(options: ReferenceOptions = {}): ImplementationFactory {
  return () => new ReferenceImplementation(options);
}

/**
 * scrypt cost used by the project's own test runs of the suite: cheap enough that hashing no
 * longer dominates, still a real scrypt hash (the CLI's `run` keeps the engine's default).
 */
export const TEST_SCRYPT_COST = 16;

/** Makes a fresh, isolated reference implementation. */
const referenceFactory: ImplementationFactory = () => new ReferenceImplementation();
export default referenceFactory;
