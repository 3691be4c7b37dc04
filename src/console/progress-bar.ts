/**
 * The progress bar a backup shows on a terminal, driven by the backup's listener messages
 * (`- Compressing file <entry>...`, then `ok size=<n> ...` per file).
 *
 * @packageDocumentation
 */

/** How often the bar is redrawn at most, in milliseconds. */
const REDRAW_MS = 50;

/**
 * A one-line bar redrawn in place with a carriage return: `[#######.............]  35% <label>`.
 * Only for terminals: off a terminal the console prints no carriage return (`CONSOLE-036`).
 */
export class ProgressBar {
  private drawn = false;
  private lastDraw = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    /** The amount that makes 100% (bytes); 0 when unknown: the bar then shows the label only. */
    private readonly total: number,
    private readonly columns = 80,
  ) {}

  /** Redraws the bar for `done` of the total (throttled, except at 100%). */
  update(done: number, label: string, now = Date.now()): void {
    const complete = this.total > 0 && done >= this.total;
    if (this.drawn && !complete && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const width = 24;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const filled = Math.round(fraction * width);
    const head = this.total > 0 ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ` : '';
    const room = Math.max(0, this.columns - head.length - 1);
    const text = label.length > room ? `...${label.slice(label.length - room + 3)}` : label;
    this.out.write(`\r${head}${text}\u001b[K`);
    this.drawn = true;
  }

  /** Erases the bar, leaving the cursor at the start of an empty line. */
  clear(): void {
    if (!this.drawn) return;
    this.out.write('\r\u001b[K');
    this.drawn = false;
  }
}

/**
 * A backup listener that advances `bar`: a file's name when its compression starts, its size when
 * it is done. Messages it does not recognise are ignored; it never throws (a throwing listener
 * would fail the backup).
 */
export function progressListener(bar: ProgressBar): (message: string) => void {
  let done = 0;
  let current = '';
  return (message) => {
    try {
      const starting = /^- Compressing file (.+?)\.\.\.\s*$/.exec(message);
      if (starting !== null) current = starting[1]!;
      const finished = /\bok size=(\d+)/.exec(message);
      if (finished !== null) done += Number(finished[1]);
      bar.update(done, current === '' ? message.trim() : current);
    } catch {
      // A progress display must never fail the backup.
    }
  };
}
