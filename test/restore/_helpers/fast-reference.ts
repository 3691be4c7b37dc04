/**
 * The reference implementation with cheap password hashing, for the restore and verify negative
 * controls, which run the whole area once per control: creating a database costs an scrypt hash
 * at the production cost (about 50 ms) each time. Everything a restore does is unchanged.
 */
import type { Connection, ImplementationFactory } from '../../../conformance/adapter.js';
import { wrapFactory } from '../../../conformance/self-test/wrap.js';
import referenceFactory from '../../../src/adapter/index.js';
import { ReferenceConnection } from '../../../src/adapter/reference-connection.js';
import { Database } from '../../../src/engine/index.js';
import { FAST } from './databases.js';

/** The reference factory whose `plocal:` databases hash passwords cheaply. */
export const fastReferenceFactory: ImplementationFactory = wrapFactory(referenceFactory, {
  implementation: (inner) => {
    const created: Connection[] = [];
    return {
      createDatabase: async (url, credentials) => {
        if (!url.startsWith('plocal:')) return inner.createDatabase(url, credentials);
        const db = await Database.create(url, {
          ...FAST,
          ...(credentials?.user === undefined ? {} : { user: credentials.user }),
          ...(credentials?.password === undefined ? {} : { password: credentials.password }),
        });
        const connection = new ReferenceConnection(db, url);
        created.push(connection);
        return connection;
      },
      dispose: async () => {
        await Promise.allSettled(created.splice(0).map((connection) => connection.close()));
        await inner.dispose();
      },
    };
  },
});
