// Users and groups through NSS (getent / id), so LDAP and SSSD users work exactly like local ones.
// Cached briefly: a group change reaches ds01 within `ttlMs`.
import { execFile } from 'node:child_process';

export interface Account {
  uid: number;
  gid: number;
  name: string;
  home: string;
  shell: string;
  groups: string[]; // names, primary group first
  /** The passwd comment field (full name, room, phone, sometimes an e-mail address). */
  gecos?: string;
}

export interface AccountLookup {
  byUid(uid: number): Promise<Account | null>;
  byName(name: string): Promise<Account | null>;
  groupMembers(group: string): Promise<string[] | null>;
  /** Every account NSS enumerates (LDAP/SSSD may list none; that is their setting). Without groups. */
  list?(): Promise<Omit<Account, 'groups'>[]>;
}

function run(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 10_000, encoding: 'utf8' }, (err, stdout) =>
      resolve(err ? null : stdout),
    );
  });
}

export function parsePasswdLine(line: string): Omit<Account, 'groups'> | null {
  const f = line.trim().split(':');
  if (f.length < 7) return null;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid) || !f[0]) return null;
  return { name: f[0], uid, gid, gecos: f[4] ?? '', home: f[5] ?? '/', shell: f[6] ?? '/bin/sh' };
}

export function createNssLookup(ttlMs = 30_000, now: () => number = Date.now): AccountLookup {
  const cache = new Map<string, { at: number; value: Promise<unknown> }>();
  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit && now() - hit.at < ttlMs) return hit.value as Promise<T>;
    const value = load();
    cache.set(key, { at: now(), value });
    // Failures are not cached: a transient NSS outage should not lock a user out for ttlMs.
    value.then(
      (v) => v === null && cache.delete(key),
      () => cache.delete(key),
    );
    return value;
  }

  async function withGroups(base: Omit<Account, 'groups'> | null): Promise<Account | null> {
    if (!base) return null;
    const out = await run('id', ['-Gn', '--', base.name]);
    const groups = out ? out.trim().split(/\s+/).filter(Boolean) : [];
    return { ...base, groups };
  }

  return {
    byUid: (uid) =>
      cached(`uid:${uid}`, async () => {
        if (!Number.isInteger(uid) || uid < 0) return null;
        const out = await run('getent', ['passwd', String(uid)]);
        return withGroups(out ? parsePasswdLine(out.split('\n')[0] ?? '') : null);
      }),
    byName: (name) =>
      cached(`name:${name}`, async () => {
        if (!/^[a-z_][a-z0-9_.-]*\$?$/i.test(name)) return null;
        const out = await run('getent', ['passwd', name]);
        return withGroups(out ? parsePasswdLine(out.split('\n')[0] ?? '') : null);
      }),
    groupMembers: (group) =>
      cached(`group:${group}`, async () => {
        if (!/^[a-z_][a-z0-9_.-]*$/i.test(group)) return null;
        const out = await run('getent', ['group', group]);
        if (!out) return null;
        const members = out.trim().split(':')[3] ?? '';
        return members.split(',').filter(Boolean);
      }),
    list: () =>
      cached('list', async () => {
        const out = await run('getent', ['passwd']);
        return (out ?? '').split('\n').flatMap((l) => parsePasswdLine(l) ?? []);
      }),
  };
}
