/**
 * Reads the withdrawn ids from `spec/README.md`.
 *
 * @packageDocumentation
 */

const ID = /\b[A-Z][A-Z0-9]*-\d{3}\b/;

/**
 * The ids listed in the "Withdrawn ids" section (a heading of any level whose text is
 * "Withdrawn ids", up to the next heading): the first id on each line, so that a line may explain
 * itself ("- BACKUP-007 (merged into BACKUP-008)").
 */
export function parseWithdrawnIds(readme: string): string[] {
  const ids: string[] = [];
  let inSection = false;
  for (const line of readme.split(/\r?\n/)) {
    if (/^#{1,6}\s/.test(line)) {
      inSection = /^#{1,6}\s+Withdrawn ids\s*$/i.test(line);
      continue;
    }
    if (!inSection) continue;
    const match = ID.exec(line);
    if (match !== null) ids.push(match[0]);
  }
  return ids;
}
