import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type * as z from 'zod';

/*
 * An append-only file of JSON lines: what the local Step Functions and Scheduler keep under the
 * data folder when the stack persists (`npm start`), so a restart, even after kill -9, resumes them.
 * Each record is one write(2) on a file opened for appending, so a killed process loses at most the
 * line it was writing; a read stops at a line that does not parse. The file is synced to disk once
 * per burst of records (after the current turn of the event loop), not per record. At start the
 * owner reads the file and rewrites it with only what it still needs (written to a temporary file,
 * synced, then renamed over the old one), so it does not grow without end.
 */

export class Journal<R> {
  private fd: number | undefined;
  private syncQueued = false;

  constructor(
    readonly file: string,
    private readonly schema: z.ZodType<R>,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  /** The records in the file, in order, up to the first line that does not parse (a torn last write). */
  read(): R[] {
    if (!existsSync(this.file)) return [];
    const records: R[] = [];
    const lines = readFileSync(this.file, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      const parsed = this.parse(line);
      if (!parsed?.success) {
        // Where and why, never the line itself: it may hold personal data.
        const issue = parsed?.error.issues[0];
        const why = issue ? `${issue.path.join('.')}: ${issue.message}` : 'not JSON';
        const left = lines.slice(i).filter((l) => l !== '').length;
        console.error(
          `${path.basename(this.file)}: line ${i + 1} (${why}) and ${left - 1} after it left out`,
        );
        break;
      }
      records.push(parsed.data);
    }
    return records;
  }

  private parse(line: string) {
    try {
      return this.schema.safeParse(JSON.parse(line));
    } catch {
      return undefined;
    }
  }

  /** Replaces the file with these records, atomically, and appends after them from then on. */
  rewrite(records: R[]): void {
    this.close();
    const temp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
    this.fd = openSync(this.file, 'a');
  }

  append(record: R): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (this.syncQueued) return;
    this.syncQueued = true;
    setImmediate(() => {
      this.syncQueued = false;
      if (this.fd !== undefined) fdatasyncSync(this.fd);
    });
  }

  /** Stops writing: what is appended from now on is not kept (the stack is shutting down). */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    fdatasyncSync(fd);
    closeSync(fd);
  }

  get open(): boolean {
    return this.fd !== undefined;
  }
}
