/**
 * `npm run bench`: the performance of the reference against what a user would compare it with,
 * on generated databases of realistic content (bench/generate-database.ts), measured in one run:
 *
 * - full backup throughput (MiB of database per second) at each level, beside a raw zlib DEFLATE
 *   stream over the same files (Node defaults, and tuned with 1 MiB reads and 256 KiB chunks) and
 *   Info-ZIP `zip -<level>` over the same files, all writing to a sink that discards the bytes;
 *   and the backup to a file (written, fsynced, renamed);
 * - restore (`db.restore` of the default level-9 archive: extraction, every check, fsync) against
 *   `unzip` of the same archive;
 * - peak resident memory of each backup and restore: every operation runs in a child process of
 *   its own (bench/operation.ts) that reports `process.resourceUsage().maxRSS`;
 * - writer stall: latencies of a second connection inserting one record at a time (sync
 *   durability) during a full backup, in freeze and in snapshot mode;
 * - incremental backups after updating 1% and then 10% of the pages, against the chain's full
 *   file; and the 1% backup in a fresh process, which remembers nothing of the chain;
 * - backup against EXPORT DATABASE, restore against IMPORT DATABASE, on the same database.
 *
 * Usage: `node dist/bench/run.js [--quick] [--size 256,1024] [--levels 0,1,6,9] [--runs N]
 * [--sections backup,restore,export,stall,incremental] [--json path] [--keep]`. `--size` is in
 * MiB; `--runs` repeats the throughput and restore measures and keeps the best (default 1);
 * `--quick` is a smoke run on a 2 MiB database, level 9 only, one stall case (its figures mean
 * nothing). Prints Markdown; writes
 * the figures as JSON to `--json` (default `reports/bench.json`, none with `--quick`).
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTransientFile } from '../src/engine/index.js';
import { type GeneratedDatabase, generateDatabase } from './generate-database.js';
import type { Operation, OperationResult } from './operation.js';

const MiB = 1024 * 1024;
const SECTIONS = ['backup', 'restore', 'export', 'stall', 'incremental'] as const;
type Section = (typeof SECTIONS)[number];

/** The level OrientDB's BACKUP uses by default, and so does the reference. */
const DEFAULT_LEVEL = 9;
/** The level of incremental files. */
const INCREMENTAL_LEVEL = 6;

interface Settings {
  sizesMiB: number[];
  levels: number[];
  runs: number;
  sections: Set<Section>;
  json: string | undefined;
  keep: boolean;
  quick: boolean;
}

const USAGE = 'usage: run.js [--quick] [--size 256,1024] [--levels 0,1,6,9] [--runs N] [--sections backup,restore,export,stall,incremental] [--json path] [--keep]';

function parseArguments(argv: readonly string[]): Settings {
  const settings: Settings = { sizesMiB: [256, 1024], levels: [0, 1, 6, 9], runs: 1, sections: new Set(SECTIONS), json: 'reports/bench.json', keep: false, quick: false };
  let jsonGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value; ${USAGE}`);
      return next;
    };
    const numbers = (text: string): number[] => text.split(',').map(Number);
    if (flag === '--quick') {
      settings.quick = true;
      settings.sizesMiB = [2];
      settings.levels = [DEFAULT_LEVEL];
    } else if (flag === '--size') settings.sizesMiB = numbers(value());
    else if (flag === '--levels') settings.levels = numbers(value());
    else if (flag === '--runs') settings.runs = Number(value());
    else if (flag === '--sections') {
      const names = value().split(',');
      const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
      if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}; ${USAGE}`);
      settings.sections = new Set(names as Section[]);
    } else if (flag === '--json') {
      settings.json = value();
      jsonGiven = true;
    } else if (flag === '--keep') settings.keep = true;
    else throw new Error(`unknown argument ${flag}; ${USAGE}`);
  }
  if (settings.quick && !jsonGiven) settings.json = undefined;
  if (!settings.sizesMiB.every((size) => size > 0)) throw new Error(`--size must be positive MiB; ${USAGE}`);
  if (!settings.levels.every((level) => Number.isInteger(level) && level >= 0 && level <= 9)) throw new Error(`--levels must be 0 to 9; ${USAGE}`);
  if (!(Number.isInteger(settings.runs) && settings.runs > 0)) throw new Error(`--runs must be a positive integer; ${USAGE}`);
  return settings;
}

const OPERATION_SCRIPT = fileURLToPath(new URL('./operation.js', import.meta.url));

/** Runs one operation in a child process and resolves what it reports. */
async function runOperation(operation: Operation): Promise<OperationResult> {
  const child = spawn(process.execPath, [OPERATION_SCRIPT, JSON.stringify(operation)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`operation ${operation.op} failed (exit ${code}): ${stderr.trim()}`);
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as OperationResult;
}

/** Runs a command with its output discarded; resolves its wall time, or undefined when the command is missing. */
async function timeCommand(command: string, args: readonly string[], cwd: string): Promise<number | undefined> {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const outcome = await new Promise<number | null | 'missing'>((resolve) => {
    child.on('error', () => resolve('missing'));
    child.on('close', resolve);
  });
  if (outcome === 'missing') return undefined;
  if (outcome !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${outcome}: ${stderr.trim()}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function best<T extends { seconds: number }>(runs: number, measure: () => Promise<T>): Promise<T> {
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const measured = await measure();
    if (result === undefined || measured.seconds < result.seconds) result = measured;
  }
  return result!;
}

async function databaseFiles(directory: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true })) if (entry.isFile() && !isTransientFile(entry.name)) names.push(entry.name);
  return names.sort();
}

const fmt = (value: number | undefined, digits = 1): string => (value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits));
const ratio = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(2)}x`);
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

interface LevelFigures {
  level: number;
  backup: OperationResult;
  backupToFile: OperationResult;
  zlib: OperationResult;
  zlibTuned: OperationResult;
  zipSeconds: number | undefined;
}

interface Target {
  readonly what: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** Measures one database size; returns its report and appends its targets. */
async function benchSize(sizeMiB: number, root: string, settings: Settings, targets: Target[]): Promise<Record<string, unknown>> {
  const directory = join(root, `db-${sizeMiB}`);
  const generatedAt = process.hrtime.bigint();
  const generated: GeneratedDatabase = await generateDatabase(directory, sizeMiB * MiB, { seed: 1 });
  const generateSeconds = Number(process.hrtime.bigint() - generatedAt) / 1e9;
  const files = await databaseFiles(directory);
  const dbMiB = generated.bytes / MiB;
  const per = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : dbMiB / seconds);
  const out: string[] = [];
  const report: Record<string, unknown> = { sizeMiB, database: { ...generated, generateSeconds } };
  out.push(
    `## ${sizeMiB} MiB database`,
    '',
    `${mib(generated.bytes)} MiB in ${files.length} files (${generated.pages} pages of 8 KiB): ${generated.persons} JSON documents of about 1 KiB and ${generated.attachments} attachments of 16-64 KiB of random bytes in base64 (${(generated.blobShare * 100).toFixed(0)}% of the bytes inserted); generated in ${fmt(generateSeconds)} s.`,
    '',
  );
  const sizeLabel = `${sizeMiB} MiB`;

  let defaultArchive: string | undefined;
  const backupSeconds = new Map<number, number>();
  const rssRows: string[][] = [];
  if (settings.sections.has('backup') || settings.sections.has('restore') || settings.sections.has('export')) {
    const levels: LevelFigures[] = [];
    const wanted = settings.sections.has('backup') ? settings.levels : [DEFAULT_LEVEL];
    for (const level of wanted) {
      const archive = join(root, `backup-${sizeMiB}-${level}.zip`);
      const onlyFile = !settings.sections.has('backup');
      const figures: Partial<LevelFigures> = { level };
      for (let run = 0; run < settings.runs; run++) {
        // Interleaved, so that a busy moment of the machine hits every contender alike.
        const keep = <K extends 'backup' | 'backupToFile' | 'zlib' | 'zlibTuned'>(key: K, result: OperationResult): void => {
          if (figures[key] === undefined || result.seconds < figures[key]!.seconds) figures[key] = result as LevelFigures[K];
        };
        if (!onlyFile) {
          keep('backup', await runOperation({ op: 'backup', db: directory, level, out: null }));
          keep('zlib', await runOperation({ op: 'zlib', files: files.map((name) => join(directory, name)), level, tuned: false }));
          keep('zlibTuned', await runOperation({ op: 'zlib', files: files.map((name) => join(directory, name)), level, tuned: true }));
          const zip = await timeCommand('zip', ['-q', '-X', `-${level}`, '-', ...files], directory);
          if (zip !== undefined && (figures.zipSeconds === undefined || zip < figures.zipSeconds)) figures.zipSeconds = zip;
        }
        await rm(archive, { force: true });
        keep('backupToFile', await runOperation({ op: 'backup', db: directory, level, out: archive }));
      }
      if (level === DEFAULT_LEVEL) defaultArchive = archive;
      else if (!settings.keep) await rm(archive, { force: true });
      backupSeconds.set(level, figures.backupToFile!.seconds);
      levels.push(figures as LevelFigures);
      rssRows.push([`backup, level ${level}, to a file`, mib(figures.backupToFile!.maxRssBytes)]);
    }
    if (settings.sections.has('backup')) {
      const rows = levels.map((figures) => {
        const ours = per(figures.backup.seconds)!;
        return [
          String(figures.level),
          fmt(ours),
          fmt(per(figures.zlib.seconds)),
          fmt(per(figures.zlibTuned.seconds)),
          fmt(per(figures.zipSeconds)),
          ratio(ours / per(figures.zlib.seconds)!),
          ratio(ours / per(figures.zlibTuned.seconds)!),
          ratio(figures.zipSeconds === undefined ? undefined : ours / per(figures.zipSeconds)!),
          fmt(per(figures.backupToFile.seconds)),
          fmt((100 * (figures.backupToFile.archiveBytes as number)) / generated.bytes),
        ];
      });
      out.push(
        `### Full backup throughput (MiB of database per second, best of ${settings.runs}; output discarded)`,
        '',
        table(['level', 'backup', 'raw zlib', 'raw zlib, tuned', 'Info-ZIP zip', 'backup / zlib', 'backup / zlib tuned', 'backup / zip', 'backup to a file (fsync)', 'archive % of db'], rows),
        '',
        'raw zlib: `zlib.createDeflateRaw({ level })` over each file with Node\'s defaults (64 KiB reads, 16 KiB chunks), one thread; tuned: 1 MiB reads and 256 KiB chunks. zip: `zip -q -X -<level> - <files>` (Info-ZIP 3.0, one thread). backup: `db.backup(stream, { compressionLevel })`, every core.',
        '',
      );
      report.levels = levels.map((figures) => ({
        level: figures.level,
        mibPerSecond: { backup: per(figures.backup.seconds), zlib: per(figures.zlib.seconds), zlibTuned: per(figures.zlibTuned.seconds), zip: per(figures.zipSeconds), backupToFile: per(figures.backupToFile.seconds) },
        archiveBytes: figures.backupToFile.archiveBytes,
        backupMaxRssBytes: figures.backupToFile.maxRssBytes,
      }));
      const versusZlib = levels.map((figures) => figures.zlib.seconds / figures.backup.seconds);
      targets.push({
        what: `${sizeLabel}: backup >= 0.9x raw zlib at every level`,
        measured: levels.map((figures, i) => `L${figures.level} ${ratio(versusZlib[i])}`).join(', '),
        met: versusZlib.every((value) => value >= 0.9),
      });
      const zipLevels = levels.filter((figures) => figures.level >= 1 && figures.zipSeconds !== undefined);
      targets.push({
        what: `${sizeLabel}: backup >= 1.0x Info-ZIP zip at levels 1-9`,
        measured: zipLevels.map((figures) => `L${figures.level} ${ratio(figures.zipSeconds! / figures.backup.seconds)}`).join(', ') || 'zip not available',
        met: zipLevels.length === 0 ? undefined : zipLevels.every((figures) => figures.zipSeconds! / figures.backup.seconds >= 1),
      });
    }
  }

  if (settings.sections.has('restore') && defaultArchive !== undefined) {
    const restored = await best(settings.runs, async () => {
      const target = join(root, `restore-${sizeMiB}`);
      await rm(target, { recursive: true, force: true });
      const result = await runOperation({ op: 'restore', archive: defaultArchive!, target });
      await rm(target, { recursive: true, force: true });
      return result;
    });
    const unzipped = await best(settings.runs, async () => {
      const target = join(root, `unzip-${sizeMiB}`);
      await rm(target, { recursive: true, force: true });
      const seconds = await timeCommand('unzip', ['-q', '-o', defaultArchive!, '-d', target], root);
      // The same durability as a restore: the extracted files flushed to the disk.
      const synced = seconds === undefined ? undefined : await timeCommand('sync', (await readdir(target)).map((name) => join(target, name)), root);
      await rm(target, { recursive: true, force: true });
      return { seconds: seconds ?? Number.NaN, syncSeconds: synced };
    });
    const versus = unzipped.seconds / restored.seconds;
    out.push(
      `### Restore of the level-${DEFAULT_LEVEL} archive (${mib((await stat(defaultArchive)).size)} MiB), best of ${settings.runs}`,
      '',
      table(
        ['', 'seconds', 'MiB/s of database', 'peak RSS MiB'],
        [
          ['`db.restore(archive)` into an open database (extract, check every entry, page and the manifest, fsync, swap)', fmt(restored.seconds, 2), fmt(per(restored.seconds)), mib(restored.maxRssBytes)],
          ['`unzip -q` (no checks beyond CRC, no fsync)', fmt(unzipped.seconds, 2), fmt(per(unzipped.seconds)), ''],
          ...(unzipped.syncSeconds === undefined
            ? []
            : [['`unzip -q`, then `sync` of the extracted files', fmt(unzipped.seconds + unzipped.syncSeconds, 2), fmt(per(unzipped.seconds + unzipped.syncSeconds)), '']]),
        ],
      ),
      '',
      `restore / unzip: ${ratio(versus)}${unzipped.syncSeconds === undefined ? '' : `; restore / (unzip + sync): ${ratio((unzipped.seconds + unzipped.syncSeconds) / restored.seconds)}`}`,
      '',
    );
    rssRows.push(['restore of the level-9 archive', mib(restored.maxRssBytes)]);
    report.restore = { seconds: restored.seconds, maxRssBytes: restored.maxRssBytes, unzipSeconds: unzipped.seconds, unzipSyncSeconds: unzipped.syncSeconds, versusUnzip: versus };
    targets.push({ what: `${sizeLabel}: restore >= 0.8x unzip`, measured: ratio(versus), met: Number.isFinite(versus) ? versus >= 0.8 : undefined });
  }

  if (rssRows.length > 0) {
    out.push('### Peak resident memory (each operation in a child process of its own; Node itself takes about 45 MiB)', '', table(['operation', 'peak RSS MiB'], rssRows), '');
    const rssBytes = rssRows.map((row) => Number(row[1]));
    report.peakRssMiB = Object.fromEntries(rssRows.map((row) => [row[0], Number(row[1])]));
    targets.push({ what: `${sizeLabel}: peak RSS <= 128 MiB (backup and restore)`, measured: `max ${Math.max(...rssBytes).toFixed(1)} MiB`, met: rssBytes.every((value) => value <= 128) });
  }

  if (settings.sections.has('export')) {
    const exportFile = join(root, `export-${sizeMiB}.json.gz`);
    const exported = await runOperation({ op: 'export', db: directory, out: exportFile });
    const target = join(root, `import-${sizeMiB}`);
    // IMPORT reads an export as one JSON document, so it refuses exports past its limit (the
    // 1 GiB database's): the row then says so, and the rest of the run goes on.
    const imported = await runOperation({ op: 'import', file: exportFile, target }).catch((error: unknown) => ({ refused: (error as Error).message.split('\n')[0]! }));
    await rm(target, { recursive: true, force: true });
    await rm(exportFile, { force: true });
    const rows = [...backupSeconds.entries()].map(([level, seconds]) => [`backup, level ${level}, to a file`, fmt(seconds, 2), fmt(per(seconds)), ratio(exported.seconds / seconds)]);
    rows.push(['EXPORT DATABASE (gzip level 6, to a file)', fmt(exported.seconds, 2), fmt(per(exported.seconds)), '1.00x']);
    const restoreFigures = report.restore as { seconds: number } | undefined;
    out.push(
      '### Backup against EXPORT DATABASE, restore against IMPORT DATABASE (same database)',
      '',
      table(['', 'seconds', 'MiB/s of database', 'speed-up over export'], rows),
      '',
      table(
        ['', 'seconds', 'MiB/s of database', 'speed-up over import'],
        [
          ...(restoreFigures === undefined ? [] : [['restore of the level-9 archive', fmt(restoreFigures.seconds, 2), fmt(per(restoreFigures.seconds)), 'refused' in imported ? 'n/a' : ratio(imported.seconds / restoreFigures.seconds)]]),
          'refused' in imported
            ? ['IMPORT DATABASE into a new database', `refused: ${imported.refused}`, '', '']
            : ['IMPORT DATABASE into a new database', fmt(imported.seconds, 2), fmt(per(imported.seconds)), '1.00x'],
        ],
      ),
      '',
    );
    report.export = { seconds: exported.seconds, bytes: exported.exportBytes, ...('refused' in imported ? { importRefused: imported.refused } : { importSeconds: imported.seconds }) };
    const atDefault = backupSeconds.get(DEFAULT_LEVEL);
    if (atDefault !== undefined) {
      targets.push({
        what: `${sizeLabel}: backup >= 5x faster than EXPORT DATABASE (defaults: level ${DEFAULT_LEVEL} against gzip 6)`,
        measured: `${ratio(exported.seconds / atDefault)}; every level: ${[...backupSeconds.entries()].map(([level, seconds]) => `L${level} ${ratio(exported.seconds / seconds)}`).join(', ')}`,
        met: exported.seconds / atDefault >= 5,
      });
    }
  }

  if (settings.sections.has('stall')) {
    const rows: string[][] = [];
    const stall: Record<string, unknown> = {};
    const cases = settings.quick
      ? ([['snapshot', 'batch']] as const)
      : ([
          ['freeze', 'batch'],
          ['snapshot', 'batch'],
          ['snapshot', 'sync'],
        ] as const);
    for (const [mode, durability] of cases) {
      const result = await runOperation({ op: 'stall', db: directory, mode, durability, level: DEFAULT_LEVEL, out: join(root, `stall-${mode}.zip`), idleMs: settings.quick ? 200 : 2000 });
      const idle = result.idle as { p99Ms: number; maxMs: number };
      rows.push([mode, durability, fmt(result.seconds, 1), String(result.writes), fmt(result.p50Ms as number, 1), fmt(result.p99Ms as number, 1), fmt(result.maxMs as number, 1), `${fmt(idle.p99Ms, 1)} / ${fmt(idle.maxMs, 1)}`]);
      stall[`${mode}-${durability}`] = result;
      if (mode === 'snapshot') {
        targets.push({
          what: `${sizeLabel}: writer stall p99 <= 50 ms in snapshot mode (${durability} durability)`,
          measured: `p99 ${fmt(result.p99Ms as number)} ms, max ${fmt(result.maxMs as number)} ms (no backup: p99 ${fmt(idle.p99Ms)} ms)`,
          met: (result.p99Ms as number) <= 50,
        });
      }
    }
    out.push(
      `### Writer stall during a full backup (level ${DEFAULT_LEVEL}, to a file)`,
      '',
      table(['mode', 'writer durability', 'backup s', 'writes during it', 'p50 ms', 'p99 ms', 'max ms', 'no backup: p99 / max ms'], rows),
      '',
      'The writer: a second connection of the same process inserting one small record at a time, each awaited. With batch durability an insert waits for the locks and the event loop only; with sync durability also for an fsync of the log, which competes with the archive\'s own writes to the same disk.',
      '',
    );
    report.stall = stall;
  }

  if (settings.sections.has('incremental')) {
    const chain = join(root, `chain-${sizeMiB}`);
    const warm = await runOperation({ op: 'incremental', db: directory, chain, full: true, percents: [1, 10], seed: 11 });
    const chainFresh = join(root, `chain-fresh-${sizeMiB}`);
    await runOperation({ op: 'incremental', db: directory, chain: chainFresh, full: true, percents: [], seed: 12 });
    const fresh = await runOperation({ op: 'incremental', db: directory, chain: chainFresh, full: false, percents: [1], seed: 13 });
    type FileFigures = { label: string; seconds: number; bytes: number; pages: number };
    const warmFiles = warm.files as FileFigures[];
    const full = warmFiles[0]!;
    const freshFile = (fresh.files as FileFigures[])[0]!;
    const rows = [...warmFiles.map((file) => ({ ...file, label: file.label === 'full' ? 'full file (index 0)' : `after updating ${file.label} of the pages` })), { ...freshFile, label: `after updating ${freshFile.label} of the pages, in a fresh process` }].map((file) => [
      file.label,
      fmt(file.seconds, 3),
      String(file.bytes),
      String(file.pages),
      fmt((100 * file.seconds) / full.seconds, 2),
      fmt((100 * file.bytes) / full.bytes, 2),
    ]);
    const levelSix = backupSeconds.get(INCREMENTAL_LEVEL);
    out.push(
      `### Incremental backup (level ${INCREMENTAL_LEVEL}; the files of one chain, written by one process)`,
      '',
      table(['file', 'seconds', 'bytes', 'pages carried', '% of the full file\'s time', '% of its size'], rows),
      '',
      `Pages carried: the database has ${generated.pages} pages; "1%" updates ${Math.round(generated.pages / 100)} random documents in place (two may share a page). The fresh-process row is a second chain whose full file another process wrote: nothing is remembered, so the newest file is checked in full and every page is read once.${levelSix === undefined ? '' : ` For comparison, a full \`db.backup\` at level ${INCREMENTAL_LEVEL} to a file took ${fmt(levelSix, 2)} s.`}`,
      '',
    );
    const onePercent = warmFiles.find((file) => file.label === '1%');
    report.incremental = { files: warmFiles, fresh: freshFile, fullBackupLevel6Seconds: levelSix };
    if (onePercent !== undefined) {
      const time = (100 * onePercent.seconds) / full.seconds;
      const size = (100 * onePercent.bytes) / full.bytes;
      targets.push({ what: `${sizeLabel}: incremental after a 1% change <= 5% of the full file's time and size`, measured: `time ${fmt(time, 2)}%, size ${fmt(size, 2)}% (fresh process: time ${fmt((100 * freshFile.seconds) / full.seconds, 2)}%)`, met: time <= 5 && size <= 5 });
    }
    if (!settings.keep) {
      await rm(chain, { recursive: true, force: true });
      await rm(chainFresh, { recursive: true, force: true });
    }
  }

  if (defaultArchive !== undefined && !settings.keep) await rm(defaultArchive, { force: true });
  if (!settings.keep) await rm(directory, { recursive: true, force: true });
  process.stdout.write(`${out.join('\n')}\n`);
  return report;
}

async function main(): Promise<void> {
  const settings = parseArguments(process.argv.slice(2));
  const root = await mkdtemp(join(tmpdir(), 'bench-'));
  const loadBefore = loadavg();
  const started = new Date();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM (${(freemem() / 1024 ** 3).toFixed(0)} GiB free), Node ${process.version}, ${process.platform}`;
  process.stdout.write(
    `# Benchmark${settings.quick ? ' (--quick: a smoke run, its figures mean nothing)' : ''}\n\n${machine}; started ${started.toISOString()}, load average ${loadBefore.map((value) => value.toFixed(2)).join(' ')}.\n\n`,
  );
  const targets: Target[] = [];
  const sizes: Record<string, unknown>[] = [];
  try {
    for (const size of settings.sizesMiB) sizes.push(await benchSize(size, root, settings, targets));
  } finally {
    if (!settings.keep) await rm(root, { recursive: true, force: true });
    else process.stdout.write(`Kept ${root}\n`);
  }
  const loadAfter = loadavg();
  process.stdout.write(
    `## Targets\n\n${table(['target', 'measured', 'met'], targets.map((target) => [target.what, target.measured, target.met === undefined ? 'n/a' : target.met ? 'yes' : 'NO']))}\n\nFinished ${new Date().toISOString()}, load average ${loadAfter.map((value) => value.toFixed(2)).join(' ')}.\n`,
  );
  if (settings.json !== undefined) {
    await mkdir(dirname(settings.json), { recursive: true });
    await writeFile(
      settings.json,
      `${JSON.stringify({ machine, node: process.version, cpus: cpus().length, started: started.toISOString(), finished: new Date().toISOString(), loadBefore, loadAfter, settings: { ...settings, sections: [...settings.sections] }, sizes, targets }, null, 2)}\n`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
