import { describe, expect, it } from 'vitest';
import { createNssLookup, parsePasswdLine } from './nss.js';

describe('parsePasswdLine', () => {
  it('reads a passwd entry', () => {
    expect(parsePasswdLine('alice:x:1001:1001:Alice,,,:/home/alice:/bin/bash\n')).toEqual({
      name: 'alice',
      uid: 1001,
      gid: 1001,
      gecos: 'Alice,,,',
      home: '/home/alice',
      shell: '/bin/bash',
    });
  });
  it('rejects malformed lines', () => {
    expect(parsePasswdLine('garbage')).toBeNull();
    expect(parsePasswdLine('a:x:notanumber:1::/:/bin/sh')).toBeNull();
  });
});

describe('createNssLookup (real NSS)', () => {
  const nss = createNssLookup();
  it('finds root by uid and by name, with its groups', async () => {
    const byUid = await nss.byUid(0);
    expect(byUid?.name).toBe('root');
    expect(byUid?.groups).toContain('root');
    expect((await nss.byName('root'))?.uid).toBe(0);
  });
  it('answers null for unknown or hostile names', async () => {
    expect(await nss.byUid(2_000_000_000)).toBeNull();
    expect(await nss.byName('no-such-user-ds01')).toBeNull();
    expect(await nss.byName('--help')).toBeNull();
    expect(await nss.groupMembers('; rm -rf /')).toBeNull();
  });
});
