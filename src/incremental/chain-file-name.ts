/**
 * The names of incremental backup files: `<dbName>_<yyyy-MM-dd-HH-mm-ss>_<index>[_full].ibu`, as
 * OrientDB Enterprise names them, with the timestamp in UTC (spec/incremental.md INCR-003).
 *
 * @packageDocumentation
 */

/** The extension every incremental backup file has; files without it are not part of a chain. */
export const CHAIN_FILE_EXTENSION = '.ibu';

/** The suffix (before the extension) of the chain's first file, which holds every page. */
export const FULL_SUFFIX = '_full';

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/** `yyyy-MM-dd-HH-mm-ss` of `moment` in UTC. */
export function chainTimestamp(moment: Date): string {
  return [
    String(moment.getUTCFullYear()).padStart(4, '0'),
    twoDigits(moment.getUTCMonth() + 1),
    twoDigits(moment.getUTCDate()),
    twoDigits(moment.getUTCHours()),
    twoDigits(moment.getUTCMinutes()),
    twoDigits(moment.getUTCSeconds()),
  ].join('-');
}

/**
 * The name of the chain file of database `databaseName` with index `index`, written at `moment`:
 * `<databaseName>_<yyyy-MM-dd-HH-mm-ss>_<index>.ibu`, with `_full` before `.ibu` for index 0.
 */
export function chainFileName(databaseName: string, moment: Date, index: number): string {
  return `${databaseName}_${chainTimestamp(moment)}_${index}${index === 0 ? FULL_SUFFIX : ''}${CHAIN_FILE_EXTENSION}`;
}

/** True when `name` ends in `.ibu`: the files a chain is made of (any other name is ignored). */
export function isChainFileName(name: string): boolean {
  return name.endsWith(CHAIN_FILE_EXTENSION);
}

const NAME_INDEX = /_(\d{1,15})(_full)?\.ibu$/;

/**
 * The index a file name announces, or `undefined` when it follows no pattern. Only a hint for
 * ordering the lines of a report: the chain's order always comes from each file's manifest
 * (INCR-013), since files may be renamed.
 */
export function indexFromFileName(name: string): number | undefined {
  const match = NAME_INDEX.exec(name);
  return match === null ? undefined : Number(match[1]);
}
