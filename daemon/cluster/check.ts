// Pure: a running Slurm's configuration against what the policy renders (`ds01 cluster check`). Reads
// `sacctmgr -nP show qos format=QOS_FORMAT`, `sacctmgr -nP show assoc format=ASSOC_FORMAT` and
// `scontrol -o show node NAME`; each QOS field, each account's GrpTRES, each user's QOS and each node's
// Gres is one line of the answer, so an admin sees exactly what drifted.
import type { ClusterCheckItem } from '../api/types/cluster.js';
import {
  type AccountSpec,
  normalizeTres,
  parseSlurmDuration,
  type QosSpec,
  type UserQosSpec,
  userQosName,
} from './render.js';

export const QOS_FORMAT = 'Name,GrpTRES,MaxTRESPU,MaxWall,Priority';

export interface QosRow {
  name: string;
  grpTres: string;
  maxTresPerUser: string;
  maxWallMinutes: number | null;
  priority: number;
}

export function parseQosRows(text: string): QosRow[] {
  return text
    .split('\n')
    .map((l) => l.split('|'))
    .filter((f) => f.length >= 5 && f[0])
    .map(([name, grp, per, wall, prio]) => ({
      name: name as string,
      grpTres: normalizeTres(grp ?? ''),
      maxTresPerUser: normalizeTres(per ?? ''),
      maxWallMinutes: parseSlurmDuration(wall ?? ''),
      priority: Number(prio) || 0,
    }));
}

export const ASSOC_FORMAT = 'Account,User,GrpTRES,QOS,DefaultQOS';

export interface AssocRow {
  account: string;
  /** '' for the account's own association. */
  user: string;
  grpTres: string;
  qos: string[];
  defaultQos: string;
}

export function parseAssocRows(text: string): AssocRow[] {
  return text
    .split('\n')
    .map((l) => l.split('|'))
    .filter((f) => f.length >= 5 && f[0])
    .map(([account, user, grp, qos, def]) => ({
      account: account as string,
      user: user ?? '',
      grpTres: normalizeTres(grp ?? ''),
      qos: (qos ?? '').split(',').filter(Boolean).sort(),
      defaultQos: def ?? '',
    }));
}

/** `Gres=gpu:1g.10gb:2(S:0),gpu:full:1` from `scontrol -o show node` → `gpu:1g.10gb:2,gpu:full:1`. */
export function parseNodeGres(text: string): string | null {
  const m = /(?:^|\s)Gres=(\S*)/.exec(text);
  if (!m) return null;
  const v = (m[1] as string).replace(/\(S:[^)]*\)/g, '');
  return v === '(null)' ? '' : v;
}

const gresSet = (v: string) => v.split(',').filter(Boolean).sort().join(',');

/**
 * Each account's GrpTRES; each overridden user's association QOS; and any user still on a ds01-u QOS
 * whose override is gone (it would keep limits the policy no longer gives).
 */
export function compareAssociations(
  expected: { accounts: readonly AccountSpec[]; users: readonly UserQosSpec[] },
  rows: readonly AssocRow[],
): ClusterCheckItem[] {
  const items: ClusterCheckItem[] = [];
  for (const a of expected.accounts) {
    const row = rows.find((r) => r.account === a.name && r.user === '');
    items.push({
      ok: row !== undefined && (row.grpTres || 'none') === (normalizeTres(a.grpTres) || 'none'),
      what: `account ${a.name} GrpTRES`,
      expected: normalizeTres(a.grpTres) || 'none',
      actual: row ? row.grpTres || 'none' : 'missing',
    });
  }
  for (const u of expected.users) {
    const row = rows.find((r) => r.account === u.account && r.user === u.user);
    const actual = row ? `${row.qos.join(',') || 'none'} (default ${row.defaultQos || 'none'})` : 'missing';
    items.push({
      ok: row !== undefined && row.qos.join(',') === u.qos && row.defaultQos === u.qos,
      what: `user ${u.user} QOS`,
      expected: `${u.qos} (default ${u.qos})`,
      actual,
    });
  }
  const ours = new Set(expected.accounts.map((a) => a.name));
  for (const r of rows) {
    if (!r.user || !ours.has(r.account) || expected.users.some((u) => u.user === r.user)) continue;
    const own = r.qos.find((q) => q === userQosName(r.user));
    if (own) items.push({ ok: false, what: `user ${r.user} QOS`, expected: r.account, actual: own });
  }
  return items;
}

export function compareCluster(
  expected: { qos: readonly QosSpec[]; node: { name: string; gres: string } | null },
  actual: { qos: readonly QosRow[]; nodeGres: string | null },
): ClusterCheckItem[] {
  const items: ClusterCheckItem[] = [];
  const wall = (m: number | null) => (m === null ? 'none' : `${m} min`);
  for (const q of expected.qos) {
    const row = actual.qos.find((r) => r.name === q.name);
    if (!row) {
      items.push({ ok: false, what: `qos ${q.name}`, expected: 'exists', actual: 'missing' });
      continue;
    }
    const pairs: [string, string, string][] = [
      ['GrpTRES', normalizeTres(q.grpTres) || 'none', row.grpTres || 'none'],
      ['MaxTRESPerUser', normalizeTres(q.maxTresPerUser) || 'none', row.maxTresPerUser || 'none'],
      ['MaxWall', wall(q.maxWallMinutes), wall(row.maxWallMinutes)],
      ['Priority', String(q.priority), String(row.priority)],
    ];
    for (const [field, e, a] of pairs)
      items.push({ ok: e === a, what: `qos ${q.name} ${field}`, expected: e, actual: a });
  }
  if (expected.node) {
    const a = actual.nodeGres;
    items.push({
      ok: a !== null && gresSet(a) === gresSet(expected.node.gres),
      what: `node ${expected.node.name} Gres`,
      expected: expected.node.gres || 'none',
      actual: a === null ? 'node unknown to Slurm' : a || 'none',
    });
  }
  return items;
}
