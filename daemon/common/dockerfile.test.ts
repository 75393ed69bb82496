import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  editDockerfile,
  type ImageSpec,
  readSectionPackages,
  renderDockerfile,
  SpecError,
  sectionsIn,
  specProblems,
} from './dockerfile.js';
import { SECTIONS, USE_CASES, type UseCase } from './phases.js';

const INSTRUCTIONS = new Set(['FROM', 'RUN', 'ARG', 'ENV', 'WORKDIR', 'COPY', 'USER', 'LABEL']);

/** Logical instructions (continuations joined, comments dropped), as the Docker parser sees them. */
function instructions(text: string): { op: string; args: string }[] {
  const out: { op: string; args: string }[] = [];
  let cur = '';
  for (const line of text.split('\n')) {
    if (!cur && (line.trim().startsWith('#') || !line.trim())) continue;
    if (line.endsWith('\\')) {
      cur += line.slice(0, -1); // Docker drops the backslash and the newline
      continue;
    }
    cur += line;
    const m = /^\s*([A-Z]+)\s+([\s\S]*)$/.exec(cur);
    if (!m) throw new Error(`not an instruction: ${cur}`);
    out.push({ op: m[1] as string, args: m[2] as string });
    cur = '';
  }
  if (cur) throw new Error(`dangling continuation: ${cur}`);
  return out;
}

/** A Dockerfile is valid when every instruction is known, FROM comes first, and every RUN parses in sh. */
function expectValid(text: string) {
  const ins = instructions(text);
  expect(ins[0]?.op).toBe('FROM');
  for (const i of ins) {
    expect(INSTRUCTIONS.has(i.op), i.op).toBe(true);
    if (i.op === 'RUN') execFileSync('sh', ['-n', '-c', i.args]); // throws on a shell syntax error
  }
  expect(sectionsIn(text)).toEqual([...SECTIONS]);
}

const bare: ImageSpec = {
  name: 'proj',
  base: 'ds01-test/busybox:latest',
  jupyter: false,
  dataScience: false,
  useCases: [],
  pip: [],
  apt: [],
};

describe('renderDockerfile: each phase', () => {
  it('base + account only: no pip or apt at all (runs on a bare busybox image)', () => {
    const t = renderDockerfile(bare);
    expectValid(t);
    expect(t).toContain('FROM ds01-test/busybox:latest');
    expect(t).not.toMatch(/pip install|apt-get/);
    expect(t).toContain('ARG DS01_UID');
    expect(t).toMatch(/WORKDIR \/workspace\n$/);
  });
  it('the base can be a catalogue entry, named in the marker', () => {
    const t = renderDockerfile({
      ...bare,
      base: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      baseLabel: 'pytorch',
    });
    expectValid(t);
    expect(t).toContain(
      '# >>> ds01:base — base image (pytorch)\nFROM pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
    );
  });
  it('jupyter', () => {
    const t = renderDockerfile({ ...bare, jupyter: true });
    expectValid(t);
    expect(t).toMatch(/ds01:jupyter[^\n]*\nRUN pip install --no-cache-dir \\\n\s+jupyterlab \\/);
  });
  it('data science', () => {
    const t = renderDockerfile({ ...bare, dataScience: true });
    expectValid(t);
    expect(readPipIn(t, 'datascience')).toEqual([
      'numpy',
      'pandas',
      'scipy',
      'scikit-learn',
      'matplotlib',
      'seaborn',
    ]);
  });
  for (const u of Object.keys(USE_CASES) as UseCase[]) {
    it(`use case ${u}`, () => {
      const t = renderDockerfile({ ...bare, useCases: [u] });
      expectValid(t);
      for (const p of USE_CASES[u].packages) expect(t).toContain(`      ${p}`);
    });
  }
  it('extra pip packages with specifiers are quoted for the shell', () => {
    const t = renderDockerfile({
      ...bare,
      pip: ['torch==2.5.1', 'transformers>=4.40,<5', 'ray[tune]', 'requests'],
    });
    expectValid(t);
    expect(t).toContain("'torch==2.5.1'");
    expect(t).toContain("'transformers>=4.40,<5'");
    expect(t).toContain("'ray[tune]'");
    expect(readSectionPackages(t, 'pip')).toEqual([
      'torch==2.5.1',
      'transformers>=4.40,<5',
      'ray[tune]',
      'requests',
    ]);
  });
  it('apt packages', () => {
    const t = renderDockerfile({ ...bare, apt: ['libgl1', 'ffmpeg', 'git=1:2.39.2-1'] });
    expectValid(t);
    expect(t).toContain('apt-get install -y --no-install-recommends');
    expect(readSectionPackages(t, 'system')).toEqual(['libgl1', 'ffmpeg', 'git=1:2.39.2-1']);
  });
});

function readPipIn(text: string, id: string): string[] {
  const body = text.split(`ds01:${id} `)[1]?.split(`<<< ds01:${id}`)[0] ?? '';
  return body
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/\s*\\$/, ''))
    .filter((l) => l && !l.startsWith('RUN') && !l.startsWith('#'));
}

describe('renderDockerfile: combinations', () => {
  const flags = [false, true];
  const useCaseSets: UseCase[][] = [
    [],
    ['cv'],
    ['nlp', 'llm'],
    ['cv', 'nlp', 'rl', 'llm', 'audio', 'timeseries'],
  ];
  for (const jupyter of flags)
    for (const dataScience of flags)
      for (const useCases of useCaseSets)
        for (const extras of [false, true])
          it(`jupyter=${jupyter} ds=${dataScience} uses=${useCases.join('+') || '-'} extras=${extras}`, () => {
            const t = renderDockerfile({
              ...bare,
              jupyter,
              dataScience,
              useCases,
              pip: extras ? ['numpy==1.26.4', 'einops'] : [],
              apt: extras ? ['libgl1'] : [],
            });
            expectValid(t);
            // No package is installed twice by the generated phases (nlp and llm share transformers).
            const generated = ['jupyter', 'datascience', 'usecases'].flatMap((id) => readPipIn(t, id));
            expect(new Set(generated).size).toBe(generated.length);
          });
});

describe('bad input is refused before any build', () => {
  const cases: [Partial<ImageSpec>, RegExp][] = [
    [{ name: 'My Project' }, /not a valid image name/],
    [{ name: '-x' }, /not a valid image name/],
    [{ base: 'Ubuntu:22.04' }, /not an image reference/],
    [{ base: 'ubuntu:22.04; rm -rf /' }, /not an image reference/],
    [{ pip: ['torch>>2'] }, /"torch>>2" is not a valid pip package.*>>2/],
    [{ pip: ['numpy==1.2; rm -rf /'] }, /not a valid pip package/],
    [{ pip: ["numpy'"] }, /not a valid pip package/],
    [{ pip: ['git+https://github.com/x/y'] }, /not a valid pip package/],
    [{ pip: ['-e .'] }, /not a valid pip package/],
    [{ pip: ['pkg[bad extra]'] }, /not a valid pip package/],
    [{ apt: ['LibGL1'] }, /"LibGL1" is not a valid apt package/],
    [{ apt: ['curl && id'] }, /not a valid apt package/],
    [{ apt: ['a'] }, /not a valid apt package/],
    [{ apt: ['git=1=2'] }, /more than one "="/],
    [{ useCases: ['chemistry' as UseCase] }, /not a use case; choose from cv, nlp/],
  ];
  for (const [patch, re] of cases) {
    it(JSON.stringify(patch), () => {
      expect(() => renderDockerfile({ ...bare, ...patch })).toThrow(SpecError);
      expect(() => renderDockerfile({ ...bare, ...patch })).toThrow(re);
    });
  }
  it('lists every problem at once, with a hint', () => {
    const problems = specProblems({ ...bare, name: 'Bad', pip: ['a>>1'], apt: ['X'] });
    expect(problems).toHaveLength(3);
    try {
      renderDockerfile({ ...bare, name: 'Bad', pip: ['a>>1'], apt: ['X'] });
    } catch (err) {
      expect((err as SpecError).hint).toMatch(/image-create --help/);
      expect((err as SpecError).message).toMatch(/^3 problems:/);
    }
  });
});

describe('editDockerfile (image-update)', () => {
  it('adds pip and apt packages inside the marked sections only; a new version replaces the old', () => {
    const first = renderDockerfile({ ...bare, pip: ['torch==2.4.0'] });
    const userEdit = first.replace('WORKDIR /workspace', 'ENV MY_SETTING=1\nWORKDIR /workspace');
    const next = editDockerfile(userEdit, { addPip: ['Torch==2.5.1', 'einops'], addApt: ['libgl1'] });
    expectValid(next);
    expect(readSectionPackages(next, 'pip')).toEqual(['Torch==2.5.1', 'einops']);
    expect(readSectionPackages(next, 'system')).toEqual(['libgl1']);
    expect(next).toContain('ENV MY_SETTING=1'); // the user's own edit survives
    // Adding again is idempotent.
    expect(editDockerfile(next, { addPip: ['einops'], addApt: ['libgl1'] })).toBe(next);
  });
  it('refuses bad names before touching the file', () => {
    const t = renderDockerfile(bare);
    expect(() => editDockerfile(t, { addPip: ['ok', 'no way'] })).toThrow(
      /"no way" is not a valid pip package: it contains a space/,
    );
    expect(() => editDockerfile(t, { addApt: ['Bad_Name'] })).toThrow(/not a valid apt package/);
  });
  it('says what to do with a Dockerfile that has no markers', () => {
    expect(() => editDockerfile('FROM ubuntu\n', { addPip: ['numpy'] })).toThrow(/no "pip" section/);
  });
});
