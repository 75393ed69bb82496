// `du -0 -a -x -d1 --block-size=1 -- DIR` output → the total and each top-level entry. Pure. Names are the
// user's own bytes: they are made printable here (control characters escaped, length capped) because they
// end up in refusals and warnings on the user's and an admin's terminal.
import { basename } from 'node:path';
import type { Largest } from './levels.js';

export interface DuResult {
  totalBytes: number | null;
  /** Top-level entries of DIR, largest first, at most `keep`. */
  largest: Largest[];
  /**
   * The scan was cut short (its time ran out): totalBytes is then the sum of the top-level entries du
   * finished, a lower bound of the real size.
   */
  partial?: boolean;
}

export function parseDu(out: string, dir: string, keep = 10): DuResult {
  const r = new DuReader(dir, keep);
  r.push(Buffer.from(out));
  return r.end();
}

/** The same, fed chunk by chunk as du writes: memory stays at `keep` entries whatever the output's size. */
export class DuReader {
  private rest = Buffer.alloc(0);
  private total: number | null = null;
  private entries: Largest[] = [];
  /** Every finished top-level entry's bytes, the ones not kept too. */
  private entriesSum = 0;

  constructor(
    private readonly dir: string,
    private readonly keep = 10,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    for (let nul = buf.indexOf(0); nul >= 0; nul = buf.indexOf(0)) {
      this.record(buf.subarray(0, nul).toString('utf8'));
      buf = buf.subarray(nul + 1);
    }
    // A record longer than any path can be is not du's: drop it rather than grow without bound.
    this.rest = buf.length > 65_536 ? Buffer.alloc(0) : Buffer.from(buf);
  }

  end(): DuResult {
    if (this.rest.length) this.record(this.rest.toString('utf8'));
    this.rest = Buffer.alloc(0);
    return { totalBytes: this.total, largest: this.sorted() };
  }

  /**
   * What a scan cut short has shown: du prints each top-level entry when it has finished it, so their sum
   * is a lower bound (the record being written when du was stopped is dropped, not half-read).
   */
  endCutShort(): DuResult {
    this.rest = Buffer.alloc(0);
    return { totalBytes: this.entriesSum, largest: this.sorted(), partial: true };
  }

  private record(record: string): void {
    const tab = record.indexOf('\t');
    if (tab <= 0) return;
    const bytes = Number(record.slice(0, tab));
    if (!Number.isSafeInteger(bytes) || bytes < 0) return;
    const path = record.slice(tab + 1);
    if (path === this.dir) this.total = bytes;
    else if (path.startsWith(`${this.dir}/`)) {
      this.entriesSum += bytes;
      this.entries.push({ name: printable(basename(path)), bytes });
      if (this.entries.length > this.keep * 4) this.entries = this.sorted();
    }
  }

  private sorted(): Largest[] {
    return this.entries.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name)).slice(0, this.keep);
  }
}

const MAX_NAME = 60;

/** A file name as a terminal may show it: C0/C1 controls and DEL as \xNN, long names cut with "…". */
export function printable(name: string): string {
  const safe = name.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return safe.length > MAX_NAME ? `${safe.slice(0, MAX_NAME - 1)}…` : safe;
}
