import { describe, expect, it } from 'vitest';
import { ownImageRef } from './plan.js';

describe('ownImageRef', () => {
  it("reads a bare name as the user's own image, latest by default", () => {
    expect(ownImageRef('thesis', 1001)).toBe('ds01-1001/thesis:latest');
    expect(ownImageRef('thesis:v2', 1001)).toBe('ds01-1001/thesis:v2');
  });
  it('leaves references with a repository or digest alone', () => {
    expect(ownImageRef('ds01-1002/thesis:latest', 1001)).toBeNull();
    expect(ownImageRef('pytorch/pytorch:2.5.1', 1001)).toBeNull();
    expect(ownImageRef('busybox@sha256:abc', 1001)).toBeNull();
  });
});
