import { describe, expect, it } from 'vitest';
import { admitConnection } from './connections.js';

const limits = { perUser: 3, total: 10, adminReserve: 4 };

describe('admitConnection', () => {
  it('caps each uid, but not root', () => {
    expect(admitConnection(1000, { ofUid: 2, all: 2 }, limits)).toBe('accept');
    expect(admitConnection(1000, { ofUid: 3, all: 3 }, limits)).toEqual({ refuse: 'per-user' });
    expect(admitConnection(0, { ofUid: 5, all: 5 }, limits)).toBe('accept');
  });

  it('past total - reserve a connection is for admins only; at total nobody gets one', () => {
    expect(admitConnection(1000, { ofUid: 0, all: 5 }, limits)).toBe('accept');
    expect(admitConnection(1000, { ofUid: 0, all: 6 }, limits)).toBe('admins-only');
    expect(admitConnection(0, { ofUid: 0, all: 9 }, limits)).toBe('accept');
    expect(admitConnection(0, { ofUid: 0, all: 10 }, limits)).toEqual({ refuse: 'total' });
    expect(admitConnection(1000, { ofUid: 3, all: 10 }, limits)).toEqual({ refuse: 'total' });
  });
});
