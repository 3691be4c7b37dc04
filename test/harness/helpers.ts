/** Helpers shared by the harness tests that spawn processes. */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The package root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The tsx loader as a file URL, for `node --import` (so child processes can run TypeScript fixtures). */
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The command words that run a TypeScript file of this repository with Node and tsx. */
export function tsxCommand(relativeScript: string, ...args: string[]): string[] {
  return [process.execPath, '--import', TSX_LOADER, fileURLToPath(new URL(`../../${relativeScript}`, import.meta.url)), ...args];
}

/** The same as one command line string (paths here have no blanks; quoted anyway). */
export function tsxCommandLine(relativeScript: string, ...args: string[]): string {
  return tsxCommand(relativeScript, ...args)
    .map((word) => `'${word.replace(/'/g, `'\\''`)}'`)
    .join(' ');
}

/** The compiled CLI entry (built by test/global-setup.ts). */
export const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
