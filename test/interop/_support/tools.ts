/**
 * The third-party ZIP tools the interoperability tests use, found on the PATH once per test
 * file. A missing tool skips its tests with the reason on a developer machine; under `CI=true`
 * (.ci/run installs every tool) the tests run anyway and fail saying which tool is missing.
 */
import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

/** A tool the interoperability tests run. */
export type ZipTool = 'unzip' | 'zip' | '7z' | 'bsdtar' | 'python3' | 'java';

/** The command line that proves each tool is there (exit status 0). */
const PROBES: Readonly<Record<ZipTool, readonly string[][]>> = {
  unzip: [['unzip', '-v']],
  zip: [['zip', '-v']],
  '7z': [['7z', 'i']],
  bsdtar: [['bsdtar', '--version']],
  python3: [['python3', '--version']],
  java: [
    ['java', '-version'],
    ['javac', '-version'],
  ],
};

/** What .ci/run installs for each tool (Debian packages), for the messages. */
const PACKAGES: Readonly<Record<ZipTool, string>> = {
  unzip: 'unzip',
  zip: 'zip',
  '7z': 'p7zip-full',
  bsdtar: 'libarchive-tools',
  python3: 'python3',
  java: 'default-jdk-headless',
};

const found = new Map<ZipTool, string | undefined>();

/** `undefined` when the tool runs, else why it does not (the first probe that failed). */
export function missingReason(tool: ZipTool): string | undefined {
  if (!found.has(tool)) {
    let reason: string | undefined;
    for (const [command, ...args] of PROBES[tool]) {
      const result = spawnSync(command!, args, { stdio: 'ignore', timeout: 30_000 });
      if (result.error !== undefined || result.status !== 0) {
        reason = `${command} not found or not working (install ${PACKAGES[tool]})`;
        break;
      }
    }
    found.set(tool, reason);
  }
  return found.get(tool);
}

/** True under `CI=true`, where a missing tool is a failure rather than a skip. */
export const IN_CI = process.env.CI === 'true';

/**
 * Registers a test that needs `tools`. When one is missing, the test is skipped with the reason
 * in its name, or, under `CI=true`, runs and fails with that reason.
 */
export function itWithTools(tools: readonly ZipTool[], name: string, body: () => Promise<void> | void, timeout?: number): void {
  const missing = tools.map(missingReason).filter((reason): reason is string => reason !== undefined);
  if (missing.length === 0) {
    it(name, body, timeout);
  } else if (IN_CI) {
    it(name, () => {
      throw new Error(`CI=true and a required tool is missing: ${missing.join('; ')}`);
    });
  } else {
    it.skip(`${name} (skipped: ${missing.join('; ')})`, body);
  }
}
