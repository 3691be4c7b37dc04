/**
 * The coded error a chain defect becomes: its code and message, and details naming the directory
 * and, when known, the file and index at fault, with the underlying error as the cause.
 */
import { describe, expect, it } from 'vitest';
import { chainError } from '../../src/incremental/chain-problem.js';

describe('chainError', () => {
  it('names the directory, the file and the index, and keeps the cause', () => {
    const cause = new Error('EIO: i/o error, read');
    const error = chainError({ code: 'ERR_IO', message: 'reading db_1.ibu failed', file: 'db_1.ibu', index: 0, cause }, '/backups/db');
    expect(error.code).toBe('ERR_IO');
    expect(error.message).toBe('reading db_1.ibu failed');
    expect(error.cause).toBe(cause);
    expect(error.details).toStrictEqual({ directory: '/backups/db', file: 'db_1.ibu', index: 0 });
  });

  it('leaves out what the defect does not know', () => {
    const error = chainError({ code: 'ERR_CHAIN_GAP', message: 'index 3 is missing', index: 3 }, '/backups/db');
    expect(error.details).toStrictEqual({ directory: '/backups/db', index: 3 });
    expect('cause' in error).toBe(false);
    const noIndex = chainError({ code: 'ERR_CHAIN_EMPTY', message: 'no chain file' }, '/backups/db');
    expect(noIndex.details).toStrictEqual({ directory: '/backups/db' });
  });
});
