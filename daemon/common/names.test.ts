import { describe, expect, it } from 'vitest';
import { isImageRef, NAME, nameProblem } from './names.js';

describe('nameProblem', () => {
  it('accepts lower-case names with digits, dots, dashes and underscores', () => {
    for (const n of ['a', 'my-project', 'exp_2.1', '0abc', 'x'.repeat(63)]) expect(nameProblem(n)).toBeNull();
  });
  it.each([
    ['', /empty/],
    ['a/b', /contains "\/"/],
    ['../etc', /contains "\/"/],
    ['a..b', /contains "\.\."/],
    ['my project', /space/],
    ['MyProject', /lower case \(try "myproject"\)/],
    ['a._.1000', /separate/],
    ['x'.repeat(64), /at most 63/],
    ['-lead', /start with a letter or digit/],
    ['.hidden', /start with a letter or digit/],
    ['semi;colon', /not a valid name/],
  ])('refuses %j with a clear message', (n, msg) => {
    expect(nameProblem(n)).toMatch(msg);
  });
});

describe('NAME', () => {
  it('is the pattern for images and catalogue entries too', () => {
    for (const n of ['proj', 'exp_2.1', '0abc', 'x'.repeat(63)]) expect(NAME.test(n)).toBe(true);
    for (const n of ['', 'Proj', '-x', '.x', 'a/b', 'x'.repeat(64), 'a b']) expect(NAME.test(n)).toBe(false);
  });
});

describe('isImageRef', () => {
  it('accepts what Docker accepts: registry and port, path, tag, digest', () => {
    for (const r of [
      'ubuntu',
      'ubuntu:22.04',
      'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime',
      'ds01-1000/proj:latest',
      'registry.example.org:5000/team/img:v1',
      `busybox@sha256:${'a'.repeat(64)}`,
      'nvcr.io/nvidia/pytorch:24.05-py3',
    ])
      expect(isImageRef(r), r).toBe(true);
  });
  it('refuses options, spaces, upper-case paths and over-long references', () => {
    for (const r of ['--privileged', '-x', 'a b', 'Ubuntu', 'ubuntu:', 'a//b', '', `a${'b'.repeat(255)}`])
      expect(isImageRef(r), r).toBe(false);
  });
});
