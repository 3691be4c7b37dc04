/**
 * Loads the implementation under test for `run` and `serve`: the reference, an ES module whose
 * default export is the factory, or (for `run`) a process speaking the stdio protocol.
 *
 * @packageDocumentation
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ImplementationFactory } from '../../conformance/adapter.js';
import { stdioFactory } from '../../conformance/protocol/client.js';
import { BackupConformanceError, messageOf } from '../errors.js';

/** A loaded implementation. */
export interface LoadedImplementation {
  readonly factory: ImplementationFactory;
  /** How it was loaded, for reports: `reference`, `module:<path>`, `stdio:<command line>`. */
  readonly source: string;
  /** Releases what loading started (the stdio process). */
  close(): Promise<void>;
}

/** Options of {@link loadImplementation}. */
export interface LoadOptions {
  readonly cwd: string;
  /** Allow `stdio:` (true for `run`, false for `serve`). */
  readonly allowStdio: boolean;
  /** For `stdio:`: validate all protocol traffic against the schemas. */
  readonly validateProtocol?: boolean;
  /** For `stdio:`: the per-request time limit. */
  readonly requestTimeoutMs?: number;
}

/**
 * Resolves `spec` (`reference`, `stdio:<command line>` or a module path) to a factory. Throws
 * `ERR_IMPLEMENTATION_LOAD` with a message saying what to do when it cannot.
 */
export async function loadImplementation(spec: string, options: LoadOptions): Promise<LoadedImplementation> {
  const nothing = async (): Promise<void> => {};
  if (spec.startsWith('stdio:')) {
    if (!options.allowStdio) throw loadError('serve cannot serve a stdio: implementation; give "reference" or a module path');
    const factory = stdioFactory(spec.slice('stdio:'.length), {
      cwd: options.cwd,
      ...(options.validateProtocol === true ? { validate: true } : {}),
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
    return { factory, source: spec, close: () => factory.close() };
  }
  if (spec === 'reference') {
    // A computed specifier: the reference adapter is built separately, and tsc must not require it to exist.
    const url = new URL(['..', 'adapter', 'index.js'].join('/'), import.meta.url);
    const factory = await importFactory(url.href, 'the reference implementation', 'run "npm run build" first, or pass --impl <module> or --impl "stdio:<command>"');
    return { factory, source: 'reference', close: nothing };
  }
  const path = resolve(options.cwd, spec);
  if (!existsSync(path)) throw loadError(`no implementation module at ${path} (give "reference", a module path, or "stdio:<command line>")`);
  const factory = await importFactory(pathToFileURL(path).href, path, 'check that the file is an ES module Node can import');
  return { factory, source: `module:${path}`, close: nothing };
}

async function importFactory(url: string, what: string, hint: string): Promise<ImplementationFactory> {
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw loadError(`cannot load ${what}: ${messageOf(error).split('\n')[0] ?? ''} (${hint})`, error);
  }
  if (typeof module.default !== 'function') {
    throw loadError(`${what}: expected a default export that is an ImplementationFactory (a function), received ${module.default === undefined ? 'no default export' : typeof module.default}`);
  }
  return module.default as ImplementationFactory;
}

function loadError(message: string, cause?: unknown): BackupConformanceError {
  return new BackupConformanceError('ERR_IMPLEMENTATION_LOAD', message, cause === undefined ? {} : { cause });
}
