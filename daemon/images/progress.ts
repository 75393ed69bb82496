// Docker's build messages → ds01 build events: which step runs, its output, and on failure the step
// that failed with the last lines it printed. Pure (a small state machine fed one message at a time).
import type { BuildEvent } from '../api/types/images.js';

export interface DockerBuildMessage {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { code?: number; message?: string };
  aux?: { ID?: string };
}

const TAIL = 30;

export class BuildProgress {
  step: { step: number; total: number; instruction: string } | undefined;
  imageId: string | undefined;
  failure: string | undefined;
  /** Layers this build made (Docker's short ids), not those it took from the cache. */
  readonly created: string[] = [];
  private cached = false;
  private tail: string[] = [];
  private partial = '';

  /** Events for one Docker message. */
  feed(msg: DockerBuildMessage): BuildEvent[] {
    if (msg.aux?.ID) this.imageId = msg.aux.ID;
    if (msg.error || msg.errorDetail) {
      this.failure = msg.error ?? msg.errorDetail?.message ?? 'build failed';
      return [];
    }
    const text = msg.stream ?? msg.status;
    if (!text) return [];
    const events: BuildEvent[] = [];
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^Step (\d+)\/(\d+) : (.*)$/.exec(line);
      if (m) {
        this.step = { step: Number(m[1]), total: Number(m[2]), instruction: m[3] as string };
        this.tail = [];
        events.push({ type: 'step', ...this.step });
        continue;
      }
      if (/^ ---> Using cache$/.test(line)) this.cached = true;
      const made = /^ ---> ([0-9a-f]{12})$/.exec(line);
      if (made) {
        if (!this.cached) this.created.push(made[1] as string);
        this.cached = false;
      }
      // Docker's own bookkeeping lines are noise to a student.
      if (/^ ---> |^Removing intermediate container |^Successfully (built|tagged) /.test(line)) continue;
      if (!line.trim()) continue;
      this.tail.push(line);
      if (this.tail.length > TAIL) this.tail.shift();
      events.push({ type: 'output', text: line });
    }
    return events;
  }

  /** What the current step printed last (its unfinished line included). */
  get output(): string[] {
    return this.partial.trim() ? [...this.tail, this.partial] : [...this.tail];
  }

  /** The error event for a failed build: the failing step and what it printed. */
  errorEvent(code: string, message: string, hint?: string): BuildEvent {
    if (this.partial.trim()) this.tail.push(this.partial);
    return {
      type: 'error',
      code,
      message,
      ...(hint ? { hint } : {}),
      ...(this.step ? { step: this.step } : {}),
      output: [...this.tail],
    };
  }
}

/** Split a Docker JSON-lines stream into messages (a message may arrive in pieces). */
export async function* jsonLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<DockerBuildMessage> {
  let buf = '';
  for await (const chunk of stream) {
    buf += chunk.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield parse(line);
      nl = buf.indexOf('\n');
    }
  }
  if (buf.trim()) yield parse(buf.trim());
}

function parse(line: string): DockerBuildMessage {
  try {
    return JSON.parse(line) as DockerBuildMessage;
  } catch {
    return { stream: `${line}\n` };
  }
}
