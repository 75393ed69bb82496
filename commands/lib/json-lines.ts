// `--json` for streams of text (container logs, job logs): one JSON object per complete line, so a script
// can read the output with any JSON-lines reader. Chunks arrive cut anywhere; lines are put back together
// per stream, and a last line without a newline is still printed when the stream ends.

export interface LineSplitter<S extends string> {
  /** Complete lines from this chunk (and what earlier chunks of the same stream left over). */
  push(stream: S, text: string): { stream: S; line: string }[];
  /** Whatever is left unterminated, once the stream has ended. */
  end(): { stream: S; line: string }[];
}

export function lineSplitter<S extends string>(): LineSplitter<S> {
  const rest = new Map<S, string>();
  return {
    push(stream, text) {
      const parts = ((rest.get(stream) ?? '') + text).split('\n');
      rest.set(stream, parts.pop() ?? '');
      return parts.map((line) => ({ stream, line: line.replace(/\r$/, '') }));
    },
    end() {
      const out = [...rest].filter(([, v]) => v !== '').map(([stream, line]) => ({ stream, line }));
      rest.clear();
      return out;
    },
  };
}

/** One value as one line of JSON (never pretty-printed: a line is a record). */
export const jsonLine = (v: unknown) => `${JSON.stringify(v)}\n`;
