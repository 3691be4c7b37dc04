import { describe, expect, it } from 'vitest';
import { BackupConformanceError, ERROR_CODES, asCodedError, errnoOf, isCodedError, messageOf } from '../src/errors.js';
import { scenario } from '../conformance/scenario.js';

describe('coded errors', () => {
  it('keeps code, details and cause', () => {
    const cause = new Error('disk');
    const error = new BackupConformanceError('ERR_IO', 'write failed', { cause, details: { file: 'a.pcl' } });
    expect(error.code).toBe('ERR_IO');
    expect(error.details).toEqual({ file: 'a.pcl' });
    expect(error.cause).toBe(cause);
    expect(isCodedError(error, 'ERR_IO')).toBe(true);
    expect(isCodedError(error, 'ERR_AUTH')).toBe(false);
  });

  it('wraps uncoded failures and passes coded ones through', () => {
    const coded = new BackupConformanceError('ERR_AUTH', 'no');
    expect(asCodedError(coded, 'ERR_IO')).toBe(coded);
    const wrapped = asCodedError(new TypeError('boom'), 'ERR_IO');
    expect(wrapped.code).toBe('ERR_IO');
    expect(wrapped.message).toBe('boom');
  });

  it('reads the message and the errno of anything thrown, not only of errors', () => {
    expect(messageOf(new RangeError('too far'))).toBe('too far');
    for (const value of [undefined, null, 7, 'text', { code: 'ENOENT' }]) expect(messageOf(value)).toBe(String(value));
    expect(errnoOf(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBe('ENOENT');
    expect(errnoOf({ code: 'EIO' })).toBe('EIO');
    for (const value of [undefined, null, 7, 'ENOENT', new Error('plain'), { code: 5 }]) expect(errnoOf(value)).toBeUndefined();
    const wrapped = asCodedError(undefined, 'ERR_IO');
    expect([wrapped.code, wrapped.message, wrapped.cause]).toEqual(['ERR_IO', 'undefined', undefined]);
  });

  it('uses only ERR_ codes in upper snake case', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
  });
});

describe('scenario()', () => {
  const run = async (): Promise<void> => {};
  it('refuses malformed ids and requirement ids', () => {
    expect(() => scenario({ id: 'Bad Id', title: 't', requirements: ['BACKUP-001'], run })).toThrow(/id/);
    expect(() => scenario({ id: 'backup/x', title: 't', requirements: [], run })).toThrow(/no requirement/);
    expect(() => scenario({ id: 'backup/x', title: 't', requirements: ['BACKUP-1'], run })).toThrow(/malformed/);
    expect(scenario({ id: 'backup/x', title: 't', requirements: ['BACKUP-001'], run }).id).toBe('backup/x');
  });
});
