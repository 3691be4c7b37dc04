/**
 * Serves the fake implementation over the stdio protocol, for the protocol tests. Run with
 * `node --import tsx test/harness/fake/serve-fake.ts`.
 *
 * Sabotage for the crash and hang tests, through class names:
 * - `__crash__`: writes to stderr and exits with code 70;
 * - `__hang__`: never answers;
 * - `__slow__`: answers after 1200 ms;
 * - `__garbage__`: writes a non-JSON line to stdout.
 * `FAKE_SUPPORTS` (comma-separated) sets the features.
 */
import type { Feature } from '../../../conformance/adapter.js';
import { serveImplementation } from '../../../conformance/protocol/server.js';
import { createFakeFactory } from './fake-implementation.js';

const supports = process.env['FAKE_SUPPORTS'] === undefined ? undefined : (process.env['FAKE_SUPPORTS'].split(',').filter(Boolean) as Feature[]);

await serveImplementation(
  createFakeFactory({
    ...(supports === undefined ? {} : { supports }),
    onCreateClass: (name) => {
      if (name === '__crash__') {
        process.stderr.write('fake: crashing on purpose\n');
        process.exit(70);
      }
      if (name === '__hang__') {
        process.stderr.write('fake: hanging on purpose\n');
        return new Promise<void>(() => {});
      }
      if (name === '__slow__') return new Promise<void>((resolve) => setTimeout(resolve, 1200));
      if (name === '__garbage__') process.stdout.write('this is not a protocol message\n');
      if (name === '__log__') console.log('console.log goes to stderr while serving');
      return undefined;
    },
  }),
  process.stdin,
  process.stdout,
);
