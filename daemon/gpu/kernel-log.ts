// Reads what the kernel logged since the last read: from the journal (`journalctl -k`), or from a file
// (a syslog kern.log, or a test's fake log), remembering where it stopped. The first read starts at the
// end: errors from before ds01d started were already there when an admin last looked.
import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';

export class KernelLog {
  private offset: number | null = null;
  private sinceSec = Math.floor(Date.now() / 1000);

  constructor(private readonly source: string) {}

  async readNew(): Promise<string> {
    return this.source === 'journal' ? this.fromJournal() : this.fromFile();
  }

  private async fromFile(): Promise<string> {
    let size: number;
    try {
      size = (await stat(this.source)).size;
    } catch {
      return '';
    }
    if (this.offset === null || size < this.offset) this.offset = this.offset === null ? size : 0;
    if (size === this.offset) return '';
    const fh = await open(this.source, 'r');
    try {
      const len = Math.min(size - this.offset, 4 * 1024 * 1024);
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, this.offset);
      // Only whole lines: a line being written is read next time.
      const text = buf.subarray(0, bytesRead).toString('utf8');
      const end = text.lastIndexOf('\n') + 1;
      this.offset += Buffer.byteLength(text.slice(0, end));
      return text.slice(0, end);
    } finally {
      await fh.close();
    }
  }

  private fromJournal(): Promise<string> {
    const since = this.sinceSec;
    return new Promise((resolve) => {
      execFile(
        'journalctl',
        ['-k', '-q', '--no-pager', '-o', 'short-unix', `--since=@${since}`],
        { timeout: 20_000, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout) => {
          if (err) return resolve('');
          // Lines start with the time in seconds: the next read starts after the last one seen.
          const lines = stdout.split('\n').filter((l) => Number.parseFloat(l) >= since);
          const last = Number.parseFloat(lines.at(-1) ?? '');
          if (Number.isFinite(last)) this.sinceSec = Math.floor(last) + 1;
          resolve(lines.join('\n'));
        },
      );
    });
  }
}
