/** An implementation module as `backup-conformance run --impl <path>` loads it: the default export is the factory. */
import { createFakeFactory } from './fake-implementation.js';

export default createFakeFactory();
