import { describe, expect, it } from 'vitest';
import {
  describeBuildFailure,
  describeBuildTimeout,
  describeMissingBase,
  describeRefusedBuild,
} from './build-failure.js';

const step = { step: 3, total: 9, instruction: 'RUN pip install torch' };
const run = (output: string[], failure = "The command '/bin/sh -c x' returned a non-zero code: 1") =>
  describeBuildFailure({ image: 'thesis', failure, output, step });

describe('describeBuildFailure', () => {
  it.each([
    ["wget: bad address 'example.invalid'"],
    ['dial tcp: lookup pypi.org on 127.0.0.11:53: no such host'],
    ['curl: (6) Could not resolve host: example.org'],
    [
      "WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError(': Failed to establish a new connection: [Errno -3] Temporary failure in name resolution')'",
    ],
    [
      'E: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/jammy/InRelease  Temporary failure resolving archive.ubuntu.com',
    ],
    [
      'CondaHTTPError: HTTP 000 CONNECTION FAILED for url <https://conda.anaconda.org/conda-forge/linux-64/current_repodata.json>',
    ],
    ['net/http: TLS handshake timeout'],
    ['dial tcp 10.0.0.1:443: connect: connection refused'],
    ['read tcp 10.0.0.2:5000: i/o timeout'],
  ])('a network error is named as one, with the step and the real image: %s', (line) => {
    const f = run(['Collecting torch', line]);
    expect(f.kind).toBe('network');
    expect(f.message).toContain('network problem');
    expect(f.message).toContain('thesis');
    expect(f.message).toContain('step 3/9 (RUN pip install torch)');
    expect(f.message).toContain(line.trim());
    expect(f.hint).toContain('`image-update thesis --rebuild`');
    expect(f.hint).not.toMatch(/fix that step/);
  });

  it('a network error only in Docker’s own message still counts', () => {
    expect(run([], 'failed to resolve source metadata: dial tcp: lookup registry: no such host').kind).toBe(
      'network',
    );
  });

  it('a step killed for memory (exit 137, Killed, MemoryError) says so', () => {
    expect(run(['Building wheel'], "The command '/bin/sh -c x' returned a non-zero code: 137").kind).toBe(
      'memory',
    );
    expect(run(['Killed']).kind).toBe('memory');
    const f = run(['MemoryError']);
    expect(f.message).toMatch(/ran out of memory/);
    expect(f.hint).toContain('`image-update thesis --rebuild`');
  });

  it('any other failing step is the step’s own fault, and the hint names the image, never NAME', () => {
    const f = run(['about to fail', 'sh: nosuchcmd: not found'], 'returned a non-zero code: 127');
    expect(f.kind).toBe('step');
    expect(f.message).toBe(
      'the build of thesis failed at step 3/9 (RUN pip install torch): returned a non-zero code: 127',
    );
    expect(f.hint).toBe(
      'fix that step in the Dockerfile (its output is above), then run `image-update thesis --rebuild`',
    );
    expect(f.hint).not.toContain('NAME');
  });

  it('without a step, the message still reads', () => {
    const f = describeBuildFailure({ image: 'x', failure: 'Docker returned no image', output: [] });
    expect(f.message).toBe('the build of x failed: Docker returned no image');
  });
});

describe('the other failures', () => {
  it('a timeout names its limit and the image', () => {
    const t = describeBuildTimeout('thesis', 30);
    expect(t).toMatchObject({
      kind: 'timeout',
      message: 'the build of thesis ran over 30 min and was stopped',
    });
    expect(t.hint).toContain('`image-update thesis --rebuild`');
  });
  it('a missing base image says to change FROM', () => {
    const m = describeMissingBase('thesis', 'image foo:1 is not on this server and could not be pulled (x)');
    expect(m.kind).toBe('missing-base');
    expect(m.message).toContain('foo:1 is not on this server');
    expect(m.hint).toMatch(/change FROM .* `image-update thesis --rebuild`/);
  });
  it('a refused build names the image', () => {
    expect(describeRefusedBuild('thesis', 'dockerfile parse error').hint).toBe(
      'fix the Dockerfile, then `image-update thesis --rebuild`',
    );
  });
});
