// Pure: a running Slurm's configuration against what the policy renders (`ds01 cluster check`). Reads
// `sacctmgr -nP show qos format=QOS_FORMAT` and `scontrol -o show node NAME`; each QOS field and each
// node's Gres is one line of the answer, so an admin sees exactly what drifted.
import type { ClusterCheckItem } from '../api/types/cluster.js';
import { normalizeTres, parseSlurmDuration, type QosSpec } from './render.js';

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

/** `Gres=gpu:1g.10gb:2(S:0),gpu:full:1` from `scontrol -o show node` → `gpu:1g.10gb:2,gpu:full:1`. */
export function parseNodeGres(text: string): string | null {
  const m = /(?:^|\s)Gres=(\S*)/.exec(text);
  if (!m) return null;
  const v = (m[1] as string).replace(/\(S:[^)]*\)/g, '');
  return v === '(null)' ? '' : v;
}

const gresSet = (v: string) => v.split(',').filter(Boolean).sort().join(',');

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
