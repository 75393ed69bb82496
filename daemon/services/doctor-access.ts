// `ds01 doctor`, the looking half of the access checks (doctor/access.ts judges): stat Docker's socket,
// the state directory and the policy file, and list the socket group's members through NSS (getent, so
// LDAP/SSSD groups count) — named members plus every account whose primary group it is.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AccessFacts, PathFacts } from '../doctor/access.js';

function getent(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('getent', args, { timeout: 10_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, out) =>
      resolve(err ? '' : out),
    );
  });
}

async function groupOf(gid: number): Promise<{ name: string | null; members: string[] }> {
  const line = (await getent(['group', String(gid)])).split('\n')[0] ?? '';
  const f = line.split(':');
  if (f.length < 4) return { name: null, members: [] };
  return { name: f[0] || null, members: (f[3] ?? '').split(',').filter(Boolean) };
}

/** Accounts whose primary gid is `gid` (an enumeration; NSS backends without it answer only local users). */
async function primaryMembers(gid: number): Promise<string[]> {
  return (await getent(['passwd']))
    .split('\n')
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 7 && Number(f[3]) === gid && f[0])
    .map((f) => f[0] as string);
}

async function pathFacts(path: string): Promise<PathFacts | null> {
  try {
    const st = statSync(path);
    return { path, mode: st.mode, uid: st.uid, gid: st.gid, group: (await groupOf(st.gid)).name };
  } catch {
    return null;
  }
}

export async function gatherAccess(o: {
  dockerHost: string;
  stateDir: string;
  policyFile: string;
}): Promise<AccessFacts> {
  let dockerSocket: PathFacts | null = null;
  let dockerSocketError: string | null = null;
  let dockerGroupMembers: string[] = [];
  const m =
    /^unix:\/\/(.+)$/.exec(o.dockerHost) ??
    (o.dockerHost.startsWith('/') ? [o.dockerHost, o.dockerHost] : null);
  if (m?.[1]) {
    dockerSocket = await pathFacts(m[1]);
    if (!dockerSocket) dockerSocketError = `cannot stat Docker's socket ${m[1]}`;
    else if (dockerSocket.gid !== 0) {
      const g = await groupOf(dockerSocket.gid);
      const all = new Set([...g.members, ...(await primaryMembers(dockerSocket.gid))]);
      all.delete('root');
      dockerGroupMembers = [...all].sort();
    }
  }
  return {
    dockerSocket,
    dockerSocketError,
    dockerGroupMembers,
    stateDir: await pathFacts(o.stateDir),
    policyFile: await pathFacts(o.policyFile),
    policyDir: await pathFacts(dirname(o.policyFile)),
  };
}
