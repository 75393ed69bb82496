import { describe, expect, it } from 'vitest';
import { withGroup, withPasswdUser } from './passwd.js';

const u = { name: 'alice', uid: 1234, gid: 1235, home: '/home/alice', shell: '/bin/sh' };

describe('withPasswdUser', () => {
  it('appends the user to a root-only passwd', () => {
    expect(withPasswdUser('root:x:0:0:root:/root:/bin/sh\n', u)).toBe(
      'root:x:0:0:root:/root:/bin/sh\nalice:x:1234:1235:alice:/home/alice:/bin/sh\n',
    );
  });
  it('replaces an image user with the same uid or name, and is idempotent', () => {
    const img =
      'root:x:0:0::/root:/bin/bash\nubuntu:x:1234:1234::/home/ubuntu:/bin/bash\nalice:x:9:9::/x:/bin/false';
    const once = withPasswdUser(img, u);
    expect(once.split('\n').filter(Boolean)).toEqual([
      'root:x:0:0::/root:/bin/bash',
      'alice:x:1234:1235:alice:/home/alice:/bin/sh',
    ]);
    expect(withPasswdUser(once, u)).toBe(once);
  });
  it('works on an empty or missing file', () => {
    expect(withPasswdUser('', u)).toBe('alice:x:1234:1235:alice:/home/alice:/bin/sh\n');
  });
});

describe('withGroup', () => {
  it('adds the primary group, replacing one with the same gid or name', () => {
    expect(withGroup('root:x:0:\nusers:x:1235:\n', { name: 'alice', gid: 1235 })).toBe(
      'root:x:0:\nalice:x:1235:\n',
    );
  });
});
