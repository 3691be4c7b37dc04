/**
 * Loads every requirement file of a `spec/` directory.
 *
 * @packageDocumentation
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { HarnessError } from '../errors.js';
import { defaultSpecDirectory } from './locate.js';
import { parseRequirementFile } from './parse-requirements.js';
import { AREA_PREFIXES, NON_REQUIREMENT_FILES, type Requirement, type Spec, type SpecProblem } from './requirement.js';
import { parseWithdrawnIds } from './withdrawn.js';

/** Options of {@link loadSpec}. */
export interface LoadSpecOptions {
  /** The directory to read; defaults to the package's own `spec/`. */
  readonly dir?: string;
}

/**
 * Reads the requirement files of `spec/`: every `*.md` except README.md, errors.md, adapter.md,
 * protocol.md and manual-map.md. Known areas come first in their canonical order (storage, backup,
 * restore, verify, incremental, console), others after them by name. Throws `ERR_SPEC_NOT_FOUND`
 * when the directory cannot be read.
 */
export async function loadSpec(options: LoadSpecOptions = {}): Promise<Spec> {
  const dir = resolve(options.dir ?? defaultSpecDirectory());
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  } catch (error) {
    throw new HarnessError('ERR_SPEC_NOT_FOUND', `cannot read the spec directory ${dir}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const areaOrder = Object.keys(AREA_PREFIXES);
  const rank = (name: string): number => {
    const index = areaOrder.indexOf(basename(name, '.md'));
    return index === -1 ? areaOrder.length : index;
  };
  const areaFiles = names
    .filter((name) => name.endsWith('.md') && !NON_REQUIREMENT_FILES.includes(name))
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));

  const requirements: Requirement[] = [];
  const problems: SpecProblem[] = [];
  const files: string[] = [];
  for (const name of areaFiles) {
    const file = join(dir, name);
    files.push(file);
    const parsed = parseRequirementFile(await readFile(file, 'utf8'), { file, area: basename(name, '.md') });
    requirements.push(...parsed.requirements);
    problems.push(...parsed.problems);
  }
  const withdrawn = names.includes('README.md') ? parseWithdrawnIds(await readFile(join(dir, 'README.md'), 'utf8')) : [];
  return { dir, files, requirements, problems, withdrawn };
}
