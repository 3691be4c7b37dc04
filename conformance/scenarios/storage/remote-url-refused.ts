import assert from 'node:assert/strict';
import { codeOf } from '../../assertions.js';
import { scenario } from '../../scenario.js';

/** OrientDB's words when a remote database is asked for what only local storage can do. */
const ORIENTDB_WORDS = 'not supported against remote storage';

export default scenario({
  id: 'storage/remote-url-refused',
  title: 'remote:<host>/<name> is recognised as remote: refused with ERR_REMOTE_NOT_SUPPORTED and OrientDB\'s words, not ERR_INVALID_URL',
  requirements: ['STORAGE-008'],
  async run(ctx) {
    for (const url of ['remote:localhost/demo', 'remote:127.0.0.1:2424/shop']) {
      for (const [what, call] of [
        ['createDatabase', () => ctx.impl.createDatabase(url)],
        ['openDatabase', () => ctx.impl.openDatabase(url, 'admin', 'admin')],
      ] as const) {
        let connection;
        try {
          connection = await call();
        } catch (error) {
          const code = codeOf(error);
          assert.notEqual(code, 'ERR_INVALID_URL', `${what}(${url}): a remote URL is not malformed`);
          assert.equal(code, 'ERR_REMOTE_NOT_SUPPORTED', `${what}(${url}): expected ERR_REMOTE_NOT_SUPPORTED, got ${code ?? 'no code'}`);
          assert.ok(
            (error as Error).message.includes(ORIENTDB_WORDS),
            `${what}(${url}): the message should say "${ORIENTDB_WORDS}", got: ${(error as Error).message}`,
          );
          continue;
        }
        // An implementation with remote connections: backup and restore refusals are BACKUP-060 and RESTORE-029.
        ctx.log(`${what}(${url}) opened a remote connection`);
        await connection.close();
      }
    }
  },
});
