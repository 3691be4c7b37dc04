/**
 * The reference as the negative controls and the mutation run use it: passwords hashed at
 * {@link TEST_SCRYPT_COST} (at the production cost, creating a database is most of a small
 * scenario's time) and no fsync ({@link noSyncFileSystem}). Every observable behaviour is the
 * reference's own; only durability against a crash is given up, which the crash tests cover.
 */
import type { ImplementationFactory } from '../../conformance/adapter.js';
import { TEST_SCRYPT_COST, createReferenceFactory } from '../../src/adapter/index.js';
import { noSyncFileSystem } from './no-sync-file-system.js';

/** A factory of cheap reference implementations (see the module's comment). */
export const cheapReferenceFactory: ImplementationFactory = createReferenceFactory({ scryptCost: TEST_SCRYPT_COST, fs: noSyncFileSystem });
