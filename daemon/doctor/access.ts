// `ds01 doctor`, the access checks (pure): who can reach Docker's socket without ds01 (a member of its
// group is root-equivalent and bypasses every limit), and whether the files ds01d trusts — its state
// directory and the policy — can be changed by anyone but root.
import type { DoctorCheck } from '../api/types/doctor.js';

/** A file or directory as stat saw it (null: missing). */
export interface PathFacts {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  /** Group name (NSS) of gid, when it has one. */
  group: string | null;
}

export interface AccessFacts {
  /** Docker's socket (null: Docker is not on a local socket, e.g. tcp://). */
  dockerSocket: PathFacts | null;
  dockerSocketError: string | null;
  /** Everyone in the socket's group: named members and users whose primary group it is. */
  dockerGroupMembers: string[];
  stateDir: PathFacts | null;
  policyFile: PathFacts | null;
  /** The directory holding the policy: who may replace the file. */
  policyDir: PathFacts | null;
}

const octal = (m: number) => (m & 0o7777).toString(8).padStart(4, '0');

export function dockerAccessCheck(f: AccessFacts): DoctorCheck {
  const base = { id: 'docker-access', title: "Who can use Docker's socket directly" };
  const s = f.dockerSocket;
  if (!s) {
    return f.dockerSocketError
      ? { ...base, status: 'warn', detail: f.dockerSocketError }
      : { ...base, status: 'ok', detail: 'Docker is not on a local socket' };
  }
  const problems: string[] = [];
  if (s.uid !== 0) problems.push(`it is owned by uid ${s.uid}, not root`);
  if (s.mode & 0o002) problems.push('every user may connect (mode allows others to write)');
  const groupName = s.group ?? String(s.gid);
  const groupAccess = (s.mode & 0o020) !== 0 && s.gid !== 0;
  if (groupAccess && f.dockerGroupMembers.length)
    problems.push(
      `members of group ${groupName} may connect and are root-equivalent, bypassing ds01: ${f.dockerGroupMembers.join(', ')}`,
    );
  const detail = `${s.path} ${octal(s.mode)} root:${groupName}`;
  if (!problems.length)
    return {
      ...base,
      status: 'ok',
      detail: `${detail}: only root${groupAccess ? ` and group ${groupName} (no members)` : ''}`,
    };
  return {
    ...base,
    status: 'fail',
    detail: `${detail}: ${problems.join('; ')}`,
    hint: groupAccess
      ? `remove them: \`gpasswd -d USER ${groupName}\` for each (a user whose primary group it is needs \`usermod -g USERGROUP USER\`); they then work through ds01 commands`
      : `chown root:root ${s.path} && chmod 0660 ${s.path} (or fix dockerd's -G/--group)`,
  };
}

/** Not writable by anyone but root: owner root, no group/other write bit. */
function rootOnly(p: PathFacts): string[] {
  const problems: string[] = [];
  if (p.uid !== 0) problems.push(`owned by uid ${p.uid}, not root`);
  if (p.mode & 0o022)
    problems.push(
      `mode ${octal(p.mode)} lets ${p.mode & 0o002 ? 'every user' : `group ${p.group ?? p.gid}`} write`,
    );
  return problems;
}

export function stateDirCheck(f: AccessFacts): DoctorCheck {
  const base = { id: 'state-dir', title: 'State directory private to root' };
  const d = f.stateDir;
  if (!d)
    return {
      ...base,
      status: 'fail',
      detail: 'the state directory is missing',
      hint: 'restart ds01d (it creates it)',
    };
  const problems = rootOnly(d);
  if (d.mode & 0o007) problems.push(`mode ${octal(d.mode)} lets every user read it`);
  if (!problems.length) return { ...base, status: 'ok', detail: `${d.path} ${octal(d.mode)} root` };
  return {
    ...base,
    status: 'fail',
    detail: `${d.path}: ${problems.join('; ')}`,
    hint: `chown root:root ${d.path} && chmod 0700 ${d.path}`,
  };
}

export function policyFileCheck(f: AccessFacts): DoctorCheck {
  const base = { id: 'policy-perms', title: 'Policy file writable only by root' };
  const p = f.policyFile;
  if (!p)
    return {
      ...base,
      status: 'warn',
      detail: 'the policy file is missing (ds01d runs on its last good copy)',
    };
  const problems = rootOnly(p).map((x) => `${p.path} ${x}`);
  if (f.policyDir) problems.push(...rootOnly(f.policyDir).map((x) => `${f.policyDir?.path} ${x}`));
  if (!problems.length)
    return { ...base, status: 'ok', detail: `${p.path} ${octal(p.mode)} root; only root may change it` };
  return {
    ...base,
    status: 'fail',
    detail: `${problems.join('; ')}: whoever can write it sets everyone's limits`,
    hint: `chown root:root ${p.path} && chmod 0644 ${p.path} (and the same for its directory, 0755)`,
  };
}

export function accessChecks(f: AccessFacts): DoctorCheck[] {
  return [dockerAccessCheck(f), stateDirCheck(f), policyFileCheck(f)];
}
