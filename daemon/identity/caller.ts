// Who is calling: the kernel's peer credentials (SO_PEERCRED) joined with the NSS account, and whether
// the policy makes them an admin. Domain services take a Caller; none of them knows about HTTP.
import type { PeerCred } from '../native/libc.js';
import type { Policy } from '../policy/types.js';
import type { Account, AccountLookup } from './nss.js';

export interface Caller {
  uid: number;
  gid: number;
  pid: number;
  name: string;
  home: string;
  groups: string[];
  admin: boolean;
}

/** root, a user the policy names, or a member of the policy's admin group. */
export function isAdmin(policy: Pick<Policy, 'admin'>, uid: number, acct: Pick<Account, 'name' | 'groups'>) {
  return uid === 0 || policy.admin.users.includes(acct.name) || acct.groups.includes(policy.admin.group);
}

/** Peer credentials → Caller, or null when the uid has no account here (the server answers 401). */
export function callerResolver(
  accounts: Pick<AccountLookup, 'byUid'>,
  policy: () => Pick<Policy, 'admin'>,
): (cred: PeerCred) => Promise<Caller | null> {
  return async (cred) => {
    const acct = await accounts.byUid(cred.uid);
    if (!acct) return null;
    return {
      uid: cred.uid,
      gid: cred.gid,
      pid: cred.pid,
      name: acct.name,
      home: acct.home,
      groups: acct.groups,
      admin: isAdmin(policy(), cred.uid, acct),
    };
  };
}
