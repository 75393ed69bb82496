import { describe, expect, it } from 'vitest';
import { parseOwnedRef, parseUserImageArg } from './naming.js';

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
