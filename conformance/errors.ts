/**
 * The harness's own coded errors. `conformance/` never imports `src/`, so it carries its own
 * error class; its codes are listed in `src/errors.ts` ERROR_CODES and `spec/errors.md` like every
 * other code (a test keeps them in step).
 *
 * @packageDocumentation
 */

/** Every code the harness raises, with its meaning. */
export const HARNESS_ERROR_CODES = {
  ERR_INVALID_ARGUMENT: 'An argument has the wrong type or is out of its documented range.',
  ERR_NOT_SUPPORTED: 'The implementation does not support the requested feature.',
  ERR_PROTOCOL: 'A protocol message is malformed or unexpected.',
  ERR_IMPLEMENTATION_CRASHED:
    'The implementation process under test exited while requests were pending or an instance was live.',
  ERR_IMPLEMENTATION_TIMEOUT:
    'The implementation process under test did not answer a request within the per-request time limit.',
  ERR_IMPLEMENTATION_LOAD:
    'The implementation under test could not be loaded (module missing, no factory default export, process not started).',
  ERR_SPEC_NOT_FOUND: 'The spec/ directory with the requirement files could not be found or read.',
  ERR_INVALID_EXPECTATIONS:
    'An expectations file (known failures) is not valid JSON of the documented shape or names unknown ids.',
  ERR_USAGE: 'A command line of the backup-conformance CLI is malformed; the message gives the usage.',
} as const;

/** A code the harness raises. */
export type HarnessErrorCode = keyof typeof HARNESS_ERROR_CODES;

/**
 * Codes meaning "the implementation could not be run" rather than "it behaved wrongly": a
 * scenario that ends with one of them is reported as `error`, not `fail`.
 */
export const IMPLEMENTATION_FAULT_CODES: ReadonlySet<string> = new Set<HarnessErrorCode>([
  'ERR_PROTOCOL',
  'ERR_IMPLEMENTATION_CRASHED',
  'ERR_IMPLEMENTATION_TIMEOUT',
  'ERR_IMPLEMENTATION_LOAD',
]);

/** An error raised by the harness itself, with a stable `code`. */
export class HarnessError extends Error {
  /** The stable code, see {@link HARNESS_ERROR_CODES}. */
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HarnessError';
    this.code = code;
  }
}

/** True when `error` is a {@link HarnessError} (optionally with the given code). */
export function isHarnessError(error: unknown, code?: HarnessErrorCode): error is HarnessError {
  return error instanceof HarnessError && (code === undefined || error.code === code);
}

/** Describes any thrown value in one line, for messages. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message || error.name;
  }
  return String(error);
}
