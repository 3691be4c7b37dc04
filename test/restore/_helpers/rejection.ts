import { expect } from 'vitest';
import { BackupConformanceError } from '../../../src/errors.js';

/** What `action` rejects with; fails the test when it resolves. */
export async function rejection(action: Promise<unknown>): Promise<unknown> {
  try {
    await action;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** The coded error `action` rejects with; fails the test when it resolves or rejects with anything else. */
export async function coded(action: Promise<unknown>): Promise<BackupConformanceError> {
  const error = await rejection(action);
  expect(error).toBeInstanceOf(BackupConformanceError);
  return error as BackupConformanceError;
}
