// One rule, used by every service: a user acts on their own records; admins on all.

import { Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';

export function canSee(caller: Caller, ownerUid: number | null): boolean {
  return caller.admin || (ownerUid !== null && ownerUid === caller.uid);
}

/**
 * Not-yours looks like not-found to a plain user (so names and ids of others' containers do not leak),
 * while the denial is still audited by the caller of this function.
 */
export function denyNotOwner(what: string): Ds01Error {
  return new Ds01Error(
    'FORBIDDEN',
    `${what} is not yours`,
    'you can only act on your own containers; see `container-list`',
  );
}
