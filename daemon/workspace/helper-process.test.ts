// HelperProcess over a real child process speaking the helper's protocol (a small stand-in program: what
// it does to mounts is bind-helper's and the integration tests'; here, the pipe, ids, deaths and timeouts).
import { describe, expect, it } from 'vitest';
import { HelperProcess } from './helper-process.js';

const log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

// Answers each request with its op and its own pid; `die` exits before answering, `hang` never answers.
const STAND_IN = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (l) => {
  const m = JSON.parse(l);
  if (m.op === 'unbind' && m.target === 'die') process.exit(3);
  if (m.op === 'unbind' && m.target === 'hang') return;
  process.stdout.write(JSON.stringify({ id: m.id, ok: true, pid: process.pid, target: m.target }) + '\\n');
});
rl.on('close', () => process.exit(0));
`;

function helper(timeoutMs = 10_000) {
  return new HelperProcess([process.execPath, '-e', STAND_IN], log, timeoutMs);
}

describe('HelperProcess', () => {
  it('starts one process on first use and answers many requests, concurrently, by id', async () => {
    const h = helper();
    expect(h.pid).toBeNull();
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((t) => h.request([], 'ns', { op: 'unbind', target: t })),
    );
    expect(answers.map((a) => (a as unknown as { target: string }).target)).toEqual(['a', 'b', 'c']);
    const pids = new Set(answers.map((a) => (a as unknown as { pid: number }).pid));
    expect(pids).toEqual(new Set([h.pid]));
    expect(h.started).toBe(1);
    h.close();
  });

  it('a helper that dies is replaced, and a request it died on is asked once more', async () => {
    const h = helper();
    await h.request([], 'ns', { op: 'unbind', target: 'x' });
    const first = h.pid as number;
    process.kill(first, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    const a = (await h.request([], 'ns', { op: 'unbind', target: 'y' })) as unknown as { pid: number };
    expect(a.pid).not.toBe(first);
    expect(h.started).toBe(2);
    // Dies on this request each time: asked twice (two helpers), then a failure, not a hang.
    await expect(h.request([], 'ns', { op: 'unbind', target: 'die' })).rejects.toThrow(/exited/);
    expect(h.started).toBe(3);
    h.close();
  });

  it('another namespace gets a new helper', async () => {
    const h = helper();
    await h.request([], 'ns1', { op: 'unbind', target: 'x' });
    const first = h.pid;
    await h.request([], 'ns2', { op: 'unbind', target: 'x' });
    expect(h.pid).not.toBe(first);
    h.close();
  });

  it('a request not answered in time fails and the stuck helper is killed', async () => {
    const h = helper(500);
    await h.request([], 'ns', { op: 'unbind', target: 'x' });
    const stuck = h.pid as number;
    const a = await h.request([], 'ns', { op: 'unbind', target: 'hang' });
    expect(a).toMatchObject({ ok: false, message: expect.stringMatching(/did not answer/) });
    await new Promise((r) => setTimeout(r, 300));
    expect(() => process.kill(stuck, 0)).toThrow();
    const b = (await h.request([], 'ns', { op: 'unbind', target: 'z' })) as unknown as { pid: number };
    expect(b.pid).not.toBe(stuck);
    h.close();
  });
});
