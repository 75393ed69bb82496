// One rule, used by every service: a user acts on their own records; admins on all.

import { Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';

export function canSee(caller: Caller, ownerUid: number | null): boolean {
  return caller.admin || (ownerUid !== null && ownerUid === caller.uid);
}

/**
 * Not yours is FORBIDDEN, never acted on: the message names only the reference the caller gave. The
 * server's onDenied hook audits the refusal (`access.denied`).
 */
export function denyNotOwner(what: string): Ds01Error {
  return new Ds01Error(
    'FORBIDDEN',
    `${what} is not yours`,
    'you can only act on your own containers; see `container-list`',
  );
}
