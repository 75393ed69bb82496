// Where a process's resident memory sits, read from /proc/PID/smaps: the soak (issue 20) uses it to tell
// V8 keeping garbage pages until its next full GC (which levels off) from memory that is really retained.
// V8 allocates its heap in 256 KiB pages, each its own anonymous mapping; malloc's main arena is [heap].

export interface MemoryBreakdown {
  /** Resident KiB in 256-KiB anonymous mappings: V8 heap pages. */
  v8PagesKiB: number;
  v8Pages: number;
  /** Resident KiB in [heap]: malloc's main arena. */
  mallocKiB: number;
  /** Every other anonymous mapping (other malloc arenas, V8 code space, large objects, stacks). */
  otherAnonKiB: number;
  /** File-backed: the node binary, shared libraries. */
  fileKiB: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/;

export function parseSmaps(text: string): MemoryBreakdown {
  const out: MemoryBreakdown = { v8PagesKiB: 0, v8Pages: 0, mallocKiB: 0, otherAnonKiB: 0, fileKiB: 0 };
  let kind: 'v8' | 'malloc' | 'anon' | 'file' | null = null;
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      const sizeKiB = (Number.parseInt(h[2] as string, 16) - Number.parseInt(h[1] as string, 16)) / 1024;
      const name = (h[3] ?? '').trim();
      if (name === '[heap]') kind = 'malloc';
      else if (name === '') kind = sizeKiB === 256 ? 'v8' : 'anon';
      else if (name.startsWith('['))
        kind = 'anon'; // [stack], [vdso]: small, counted as anonymous
      else kind = 'file';
      if (kind === 'v8') out.v8Pages++;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss || !kind) continue;
    const kib = Number(rss[1]);
    if (kind === 'v8') out.v8PagesKiB += kib;
    else if (kind === 'malloc') out.mallocKiB += kib;
    else if (kind === 'anon') out.otherAnonKiB += kib;
    else out.fileKiB += kib;
  }
  return out;
}
