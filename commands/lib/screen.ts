// Full-screen watch modes (`ds01-dashboard --watch`, `container-stats --watch`), like `docker stats`: the
// alternate screen, each frame drawn over the last (cursor home, lines cleared to their end: no flicker),
// a hint line, `q` or Ctrl-C to quit, and the terminal restored however the command ends.
import type { Io } from './output.js';

const ESC = '\x1b[';

export const QUIT_HINT = 'q or Ctrl-C to quit';

export interface Screen {
  /** Draw one frame (cut to the terminal's height, the hint line last). */
  draw(lines: string[]): void;
  /** Aborted when the user presses q or Ctrl-C (or the outer signal fires). */
  signal: AbortSignal;
  /** How the user left: 'q' (exit 0), 'ctrl-c' (exit 130), or null (still watching / outer signal). */
  quitBy(): 'q' | 'ctrl-c' | null;
  /** Put the terminal back (idempotent). */
  close(): void;
}

interface Tty {
  stdin: NodeJS.ReadStream;
  rows: () => number;
}

// A getter: reading process.stdin makes Node open it (a tty or socket stream, ≈10 ms), which a command
// that never watches a screen should not pay for when this module loads.
const processTty: Tty = {
  get stdin() {
    return process.stdin;
  },
  rows: () => process.stdout.rows || 24,
};

export function openScreen(io: Io, outer?: AbortSignal, tty: Tty = processTty): Screen {
  const ac = new AbortController();
  let quit: 'q' | 'ctrl-c' | null = null;
  const onOuter = () => ac.abort();
  outer?.addEventListener('abort', onOuter, { once: true });
  const keys = tty.stdin.isTTY && io.isTTY;
  const onKey = (b: Buffer) => {
    const k = b.toString('utf8');
    if (k === 'q' || k === 'Q') quit = 'q';
    else if (k === '\x03') quit = 'ctrl-c';
    else return;
    ac.abort();
  };
  if (io.isTTY) io.out(`${ESC}?1049h${ESC}?25l`);
  if (keys) {
    tty.stdin.setRawMode(true);
    tty.stdin.on('data', onKey);
    tty.stdin.resume();
  }
  let closed = false;
  // A crash between open and close must still give the user their terminal back.
  const onExit = () => restore();
  process.once('exit', onExit);
  function restore() {
    if (closed) return;
    closed = true;
    process.removeListener('exit', onExit);
    outer?.removeEventListener('abort', onOuter);
    if (keys) {
      tty.stdin.off('data', onKey);
      tty.stdin.setRawMode(false);
      tty.stdin.pause();
    }
    if (io.isTTY) io.out(`${ESC}?25h${ESC}?1049l`);
  }
  return {
    signal: ac.signal,
    quitBy: () => quit,
    close: restore,
    draw(lines) {
      if (!io.isTTY) {
        io.out(`${lines.join('\n')}\n\n`);
        return;
      }
      const body = lines.slice(0, Math.max(0, tty.rows() - 2));
      const shown = [...body, '', QUIT_HINT];
      io.out(`${ESC}H${shown.map((l) => `${l}${ESC}K`).join('\n')}${ESC}J`);
    },
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

/** The exit code of a watch the user left: 130 for Ctrl-C (as a shell expects), else 0. */
export const watchExit = (s: Screen) => (s.quitBy() === 'ctrl-c' ? 130 : 0);
