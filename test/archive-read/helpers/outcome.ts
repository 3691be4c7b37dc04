import { BackupConformanceError, ERROR_CODES } from '../../../src/errors.js';

/** How a call ended: its value, or the code of the coded error it raised. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; error: BackupConformanceError };

/**
 * Runs `run` and reports how it ended. An error that is not a {@link BackupConformanceError}
 * with a known code is a test failure in itself, so it is rethrown as such.
 */
export async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (!(error instanceof BackupConformanceError)) {
      throw new Error(`uncoded error escaped: ${error instanceof Error ? error.stack : String(error)}`);
    }
    if (!(error.code in ERROR_CODES)) throw new Error(`unknown code ${error.code}`);
    return { ok: false, code: error.code, error };
  }
}

/** Rejects when `promise` has not settled within `ms` (a hang is a failure, not a slow pass). */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`hang: ${what} did not settle within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
