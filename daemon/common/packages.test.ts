import { describe, expect, it } from 'vitest';
import {
  mergePip,
  PackageError,
  parseAptPackage,
  parsePipRequirement,
  parseRequirementsFile,
  splitList,
} from './packages.js';

describe('parsePipRequirement', () => {
  it.each([
    ['numpy', 'numpy'],
    ['torch==2.5.1', 'torch'],
    ['transformers >= 4.40, < 5', 'transformers'],
    ['ray[tune,serve]~=2.9', 'ray'],
    ['scikit_learn!=1.3.0', 'scikit_learn'],
    ['jax[cuda12]', 'jax'],
    ['pkg===1.0', 'pkg'],
    ['torch==2.*', 'torch'],
  ])('accepts %s', (input, name) => {
    expect(parsePipRequirement(input).name).toBe(name);
    expect(parsePipRequirement(input).text).not.toMatch(/\s/);
  });
  it.each([
    '',
    'torch>>2',
    'torch=2',
    'numpy==',
    'a==1;b',
    'https://x/y.whl',
    './local',
    '-r x.txt',
    "x'y",
    'x==1 && id',
  ])('refuses %j with a clear message', (input) => {
    expect(() => parsePipRequirement(input)).toThrow(PackageError);
    try {
      parsePipRequirement(input);
    } catch (err) {
      expect((err as PackageError).message).toContain('is not a valid pip package');
      expect((err as PackageError).hint).toMatch(/NAME==1.2/);
    }
  });
});

describe('parseAptPackage', () => {
  it.each(['libgl1', 'g++', 'python3.11-dev', 'git=1:2.39.2-1', 'libstdc++6=12.2.0-14'])(
    'accepts %s',
    (p) => {
      expect(parseAptPackage(p).text).toBe(p);
    },
  );
  it.each(['Git', 'a', 'curl wget', 'x;y', 'x=', '$(id)', 'pkg=1=2'])('refuses %j', (p) => {
    expect(() => parseAptPackage(p)).toThrow(/is not a valid apt package/);
  });
});

describe('parseRequirementsFile', () => {
  it('reads packages, skipping comments and blank lines, joining continuations', () => {
    const text = '# deps\nnumpy==1.26.4\n\ntorch>=2.0 # GPU\npandas \\\n  >=2\n';
    expect(parseRequirementsFile(text).map((r) => r.text)).toEqual([
      'numpy==1.26.4',
      'torch>=2.0',
      'pandas>=2',
    ]);
  });
  it('refuses options, markers and bad lines with the line number', () => {
    expect(() => parseRequirementsFile('numpy\n--index-url http://x\n')).toThrow(
      /requirements.txt:2: pip options such as "--index-url"/,
    );
    expect(() => parseRequirementsFile('numpy; python_version<"3.8"\n')).toThrow(/:1: environment markers/);
    expect(() => parseRequirementsFile('ok\nok2\nnot valid!\n', 'req.txt')).toThrow(
      /req.txt:3: "not valid!"/,
    );
  });
});

describe('mergePip / splitList', () => {
  it('a package added again takes the new specifier, matched the way pip matches names', () => {
    expect(mergePip(['Torch==2.4', 'numpy'], ['torch==2.5', 'scikit_learn'])).toEqual([
      'torch==2.5',
      'numpy',
      'scikit_learn',
    ]);
    expect(mergePip(['scikit-learn'], ['Scikit_Learn>=1'])).toEqual(['Scikit_Learn>=1']);
  });
  it('splits on spaces and commas but keeps specifier lists and extras whole', () => {
    expect(splitList('numpy,pandas torch>=2,<3 ray[tune,serve]')).toEqual([
      'numpy',
      'pandas',
      'torch>=2,<3',
      'ray[tune,serve]',
    ]);
    expect(splitList(['a', 'b,c'])).toEqual(['a', 'b', 'c']);
    expect(splitList(undefined)).toEqual([]);
  });
});
