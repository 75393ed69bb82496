import { describe, expect, it } from 'vitest';
import { renderDockerfile } from '../common/dockerfile.js';
import { parseOwnedRef, parseUserImageArg } from './naming.js';
import { imagesUsed, refProblem } from './references.js';

const alice = { uid: 1001, admin: false };

describe('imagesUsed', () => {
  it('finds FROM and --from images, not stage names', () => {
    const t = [
      '# escape=\\',
      'FROM --platform=linux/amd64 python:3.11 AS build',
      'RUN pip wheel . \\',
      '  -w /w',
      'FROM ubuntu:22.04',
      'COPY --from=build /w /w',
      'COPY --from=ds01-1002/tools:latest /bin/t /bin/t',
      'COPY --from=0 /x /x',
    ].join('\n');
    expect(imagesUsed(t).map((u) => u.ref)).toEqual([
      'python:3.11',
      'ubuntu:22.04',
      'ds01-1002/tools:latest',
    ]);
  });
});

describe('refProblem', () => {
  it('allows catalogue bases, public images and the caller’s own images', () => {
    expect(
      refProblem(
        renderDockerfile({
          name: 'p',
          base: 'pytorch/pytorch:2.5.1',
          jupyter: true,
          dataScience: false,
          useCases: [],
          pip: [],
          apt: [],
        }),
        alice,
      ),
    ).toBeNull();
    expect(refProblem('FROM ds01-1001/mine:v2\n', alice)).toBeNull();
  });
  it.each([
    ['FROM ds01-1002/theirs\n', 'FORBIDDEN'],
    ['FROM docker.io/ds01-1002/theirs:latest\n', 'FORBIDDEN'],
    ['FROM ubuntu AS a\nCOPY --from=ds01-1002/theirs /x /x\n', 'FORBIDDEN'],
    ['FROM \\\n  ds01-1002/theirs\n', 'FORBIDDEN'],
    ['ARG B=ds01-1002/theirs\nFROM $B\n', 'BAD_REQUEST'],
    ['FROM sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n', 'BAD_REQUEST'],
    ['FROM 0123456789ab\n', 'BAD_REQUEST'],
  ])('refuses %j', (text, code) => {
    expect(refProblem(text, alice)?.code).toBe(code);
  });
  it('admins may build on anyone’s image', () => {
    expect(refProblem('FROM ds01-1002/theirs\n', { uid: 0, admin: true })).toBeNull();
  });
});

describe('naming', () => {
  it('parses owned references and user arguments', () => {
    expect(parseOwnedRef('ds01-1001/proj:v1')).toEqual({ uid: 1001, name: 'proj', tag: 'v1' });
    expect(parseOwnedRef('ds01-1001/proj')).toEqual({ uid: 1001, name: 'proj', tag: 'latest' });
    expect(parseOwnedRef('ubuntu:22.04')).toBeNull();
    expect(parseUserImageArg('proj')).toEqual({ name: 'proj', tag: 'latest' });
    expect(parseUserImageArg('proj:v2')).toEqual({ name: 'proj', tag: 'v2' });
    expect(parseUserImageArg('ds01-1002/proj')).toHaveProperty('error');
    expect(parseUserImageArg('Proj')).toHaveProperty('error');
  });
});
