// A caller as the daemon's identity layer makes it, for unit tests of services: user uN, home /home/uN.
import type { Caller } from '../../daemon/identity/caller.js';

export const testCaller = (uid: number, admin = false): Caller => ({
  uid,
  gid: uid,
  pid: 1,
  name: `u${uid}`,
  home: `/home/u${uid}`,
  groups: [],
  admin,
});
