// PURE: a user's e-mail address from what ds01 knows, in order: their own setting, the policy's map, GECOS.
import { EMAIL } from '../api/types/notifications.js';

export type AddressSource = 'set' | 'policy' | 'gecos';

/** The first address in a GECOS field (`Ada Lovelace,Room 1,,,ada@example.org`). */
export function emailFromGecos(gecos: string | undefined): string | null {
  for (const part of (gecos ?? '').split(',')) if (EMAIL.test(part.trim())) return part.trim();
  return null;
}

export function chooseAddress(
  own: string | null | undefined,
  user: { name: string; gecos?: string },
  policy: { emails: Readonly<Record<string, string>>; emailFromGecos: boolean },
): { email: string; source: AddressSource } | null {
  if (own) return { email: own, source: 'set' };
  const mapped = policy.emails[user.name];
  if (mapped) return { email: mapped, source: 'policy' };
  const gecos = policy.emailFromGecos ? emailFromGecos(user.gecos) : null;
  return gecos ? { email: gecos, source: 'gecos' } : null;
}
