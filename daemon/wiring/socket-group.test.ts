import { describe, expect, it } from 'vitest';
import { socketGroupOf } from './socket-group.js';

describe('socketGroupOf', () => {
  it('looks the group up through NSS, and is null when none is set', () => {
    expect(socketGroupOf('root')).toEqual({ gid: 0 });
    expect(socketGroupOf(undefined)).toBeNull();
    expect(socketGroupOf('')).toBeNull();
  });

  it('fails start-up on a group that does not exist', () => {
    expect(() => socketGroupOf('ds01-no-such-group-xyz')).toThrow();
  });
});
