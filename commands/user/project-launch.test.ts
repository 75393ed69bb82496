import { describe, expect, it } from 'vitest';
import { buildReason } from './project-launch.js';

describe('project-launch: when the image is built first', () => {
  const built = { createdAt: '2026-11-01T10:00:00Z' };
  const before = Date.parse('2026-11-01T09:00:00Z');
  const after = Date.parse('2026-11-01T11:00:00Z');
  it('builds a missing image, a stale one, or when asked; leaves a current one', () => {
    expect(buildReason(undefined, before, false)).toMatch(/does not exist/);
    expect(buildReason(built, after, false)).toMatch(/Dockerfile changed/);
    expect(buildReason(built, before, true)).toMatch(/--rebuild/);
    expect(buildReason(built, before, false)).toBeNull();
  });
  it("compares with when project-launch built it, not a cached image's old Created", () => {
    const cachedLongAgo = { createdAt: '2026-10-01T00:00:00Z' };
    expect(buildReason(cachedLongAgo, before, false, Date.parse('2026-11-01T09:30:00Z'))).toBeNull();
    expect(buildReason(cachedLongAgo, after, false, Date.parse('2026-11-01T09:30:00Z'))).toMatch(/changed/);
    // Docker's Created is whole seconds: an edit within that second is not a change.
    expect(buildReason(built, Date.parse('2026-11-01T10:00:00.500Z'), false)).toBeNull();
  });
});
