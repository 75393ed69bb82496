import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDockerfile } from '../common/dockerfile.js';
import { DockerfileRefusal, readDockerfile, renderAuthorized } from './dockerfile-gate.js';

const ID = (c: string) => `sha256:${c.repeat(64)}`;
const refusal = (text: string) => {
  try {
    readDockerfile(text);
    return null;
  } catch (e) {
    if (e instanceof DockerfileRefusal) return e.code;
    throw e;
  }
};

describe('readDockerfile + renderAuthorized', () => {
  it('reads ds01’s own generated Dockerfiles', () => {
    const text = renderDockerfile({
      name: 'p',
      base: 'pytorch/pytorch:2.5.1',
      jupyter: true,
      dataScience: true,
      useCases: ['cv'],
      pip: ['torch>=2'],
      apt: ['curl'],
    });
    const r = readDockerfile(text);
    expect(r.images).toEqual(['pytorch/pytorch:2.5.1']);
    const out = renderAuthorized(r, new Map([['pytorch/pytorch:2.5.1', ID('a')]]));
    expect(out.split('\n')[0]).toBe(`FROM ${ID('a')} AS ds01-stage-0`);
    expect(out).toContain('ARG DS01_UID=1000');
    expect(out).not.toMatch(/\\\n/); // one instruction a line
  });

  it('renders every image as its full id and every stage under ds01’s name', () => {
    const r = readDockerfile(
      [
        'ARG V=1',
        'FROM --platform=linux/amd64 python:3.11 AS Build',
        'RUN pip wheel . \\',
        '  -w /w',
        'FROM ubuntu:22.04',
        'COPY --from=build --chown=1:1 /w /w',
        'COPY --from=0 /x /x',
        'COPY --from=python:3.11 /y /y',
        'FROM build',
        'CMD ["sh"]',
      ].join('\n'),
    );
    expect(r.images).toEqual(['python:3.11', 'ubuntu:22.04']);
    expect(r.finalBase).toEqual({ kind: 'image', ref: 'python:3.11' });
    const ids = new Map([
      ['python:3.11', ID('b')],
      ['ubuntu:22.04', ID('c')],
    ]);
    expect(renderAuthorized(r, ids).split('\n')).toEqual([
      'ARG V=1',
      `FROM --platform=linux/amd64 ${ID('b')} AS ds01-stage-0`,
      'RUN pip wheel .   -w /w',
      `FROM ${ID('c')} AS ds01-stage-1`,
      'COPY --from=ds01-stage-0 --chown=1:1 /w /w',
      'COPY --from=ds01-stage-0 /x /x',
      `COPY --from=${ID('b')} /y /y`,
      'FROM ds01-stage-0 AS ds01-stage-2',
      'CMD ["sh"]',
      '',
    ]);
    expect(() => renderAuthorized(r, new Map())).toThrow(/no resolved id/);
  });

  it.each([
    // the cases: continuation inside a reference, quotes, escape directive behind a BOM, prefixes,
    // COPY --from split over lines, RUN --mount=from=, ARG-built references
    ['FROM ds01-1002/sec\\\nret\n', 'BAD_REQUEST'],
    ['FROM \\\n  ds01-1002/theirs\n', 'BAD_REQUEST'],
    ['FROM "ds01-1002/theirs"\n', 'BAD_REQUEST'],
    ["FROM 'ubuntu'\n", 'BAD_REQUEST'],
    ['\uFEFF# escape=`\nFROM ubuntu\n', 'BAD_REQUEST'],
    ['# escape=`\nFROM ubuntu\n', 'BAD_REQUEST'],
    ['# syntax=ds01-1002/frontend\nFROM ubuntu\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nCOPY --from=ds01-1002/t\\\nheirs / /\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nCOPY \\\n --from=x / /\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nCOPY --from="x" / /\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nCOPY --from x / /\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nCOPY --FROM=x / /\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nRUN --mount=type=bind,from=ds01-1002/x,target=/x cat /x\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nRUN --mo\\\nunt=from=x true\n', 'BAD_REQUEST'],
    ['ARG B=ds01-1002/theirs\nFROM $B\n', 'BAD_REQUEST'],
    ['FROM $' + '{B}\n', 'BAD_REQUEST'], // a Dockerfile variable, not a template
    ['FROM ubuntu\nCOPY --from=$B / /\n', 'BAD_REQUEST'],
    ['FROM ds01\\-1002/theirs\n', 'BAD_REQUEST'],
    ['FROM sha256:bd419\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nONBUILD COPY --from=x / /\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nLABEL ds01.owner.uid=1002\n', 'FORBIDDEN'],
    ['FROM ubuntu\nLABEL "DS01.gpu.slots"=MIG-1\n', 'FORBIDDEN'],
    ['FROM\u00a0ubuntu\n', 'BAD_REQUEST'],
    ['FROM ubuntu\rRUN x\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nRUN a\u2028FROM x\n', 'BAD_REQUEST'],
    ['FROM ubuntu AS\n', 'BAD_REQUEST'],
    ['FROM ubuntu x y\n', 'BAD_REQUEST'],
    ['FROM --network=host ubuntu\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nCOPY --from=5 / /\n', 'BAD_REQUEST'],
    ['RUN true\n', 'BAD_REQUEST'],
    ['FROM ubuntu\nRUN x \\\n', 'BAD_REQUEST'],
    ['', 'BAD_REQUEST'],
  ])('refuses %j', (text, code) => {
    expect(refusal(text)).toBe(code);
  });

  it('a stage named like an image is a stage, and renders under ds01’s name (never reaches Docker as a name)', () => {
    const r = readDockerfile('FROM busybox AS bd419\nFROM bd419\n');
    expect(r.images).toEqual(['busybox']);
    expect(renderAuthorized(r, new Map([['busybox', ID('d')]]))).toBe(
      `FROM ${ID('d')} AS ds01-stage-0\nFROM ds01-stage-0 AS ds01-stage-1\n`,
    );
  });

  it('property: whatever it accepts, the rendered file names only ids, scratch and ds01 stages as sources', () => {
    const word = fc.oneof(
      fc.constantFrom(
        'FROM',
        'COPY',
        'RUN',
        'from',
        '--from=',
        'AS',
        'scratch',
        'ubuntu',
        'ds01-1/x',
        '\\',
        '\n',
        ' ',
        '"',
        '$X',
        '#',
        '0',
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 30 }), (words) => {
        let r: ReturnType<typeof readDockerfile>;
        try {
          r = readDockerfile(words.join(''));
        } catch (e) {
          if (e instanceof DockerfileRefusal) return;
          throw e;
        }
        const ids = new Map(r.images.map((ref, i) => [ref, `sha256:${i.toString(16).padStart(64, '0')}`]));
        for (const line of renderAuthorized(r, ids).split('\n')) {
          const from = /^FROM (?:--platform=\S+ )?(\S+) AS ds01-stage-\d+$/.exec(line);
          if (line.startsWith('FROM ')) expect(from, line).not.toBeNull();
          const src = from?.[1] ?? /^(?:COPY|ADD) --from=(\S+)/.exec(line)?.[1];
          if (src) expect(src).toMatch(/^(sha256:[0-9a-f]{64}|scratch|ds01-stage-\d+)$/);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
