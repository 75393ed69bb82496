import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/load.js';
import type { Policy } from '../policy/types.js';
import { gresDevices, nodeGres, slotsForIndices } from './gres.js';
import { normalizeTres, parseSlurmDuration, renderSlurm, slurmDuration } from './render.js';

const POLICY = `
defaults:
  priority: 10
  max_mig_instances: 2
  allow_full_gpu: false
  max_runtime: 2h
default_group: students
groups:
  students:
    group_max_gpus: 3
    members: [alice, bob]
  researchers:
    priority: 20
    max_mig_instances: 4
    allow_full_gpu: true
    max_runtime: 1.5d
    members: [carol]
user_overrides:
  bob:
    max_mig_instances: 3
    max_runtime: 4h
  dave:
    priority: 50
  erin:
    max_cpus: 8
`;

function policy(text = POLICY): Policy {
  const r = parsePolicy(text, 'test.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.policy;
}

const mig = (uuid: string, gpuIndex: number, dev: number, profile = '1g.10gb') => ({
  uuid,
  gpuIndex,
  kind: 'mig' as const,
  profile,
  migDeviceIndex: dev,
});
const full = (uuid: string, gpuIndex: number) => ({
  uuid,
  gpuIndex,
  kind: 'full' as const,
  profile: null,
  migDeviceIndex: null,
});

describe('gres device order', () => {
  it('orders by GPU then MIG device, whatever order the slots come in; whole GPUs are type full', () => {
    const d = gresDevices([mig('MIG-b', 0, 1), full('GPU-z', 1), mig('MIG-a', 0, 0, '3g.40gb')]);
    expect(d.map((x) => [x.index, x.type, x.uuid])).toEqual([
      [0, '3g.40gb', 'MIG-a'],
      [1, '1g.10gb', 'MIG-b'],
      [2, 'full', 'GPU-z'],
    ]);
    expect(nodeGres(d)).toBe('gpu:3g.40gb:1,gpu:1g.10gb:1,gpu:full:1');
  });

  it("maps Slurm's indices back to slot UUIDs, refusing an index or a type this node does not have", () => {
    const d = gresDevices([mig('MIG-a', 0, 0), mig('MIG-b', 0, 1)]);
    expect(slotsForIndices(d, [{ type: '1g.10gb', index: 1 }])).toEqual({ ok: true, uuids: ['MIG-b'] });
    expect(slotsForIndices(d, [{ type: '1g.10gb', index: 2 }])).toMatchObject({ ok: false });
    const wrong = slotsForIndices(d, [{ type: '3g.40gb', index: 0 }]);
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.problem).toContain('re-render gres.conf');
  });
});

describe('renderSlurm', () => {
  const out = renderSlurm({
    policy: policy(),
    cluster: 'lab',
    nodes: [
      { name: 'n1', slots: [mig('MIG-1', 0, 0), mig('MIG-2', 0, 1)] },
      { name: 'n2', slots: [full('GPU-9', 0)] },
    ],
    members: { students: ['bob', 'alice', 'Bad Name'], researchers: ['carol'] },
    deviceDir: '/dev/ds01-gres',
    prolog: '/usr/lib/ds01/slurm-prolog',
    epilog: '/usr/lib/ds01/slurm-epilog',
  });

  it('one QOS per group: per-user slots, no whole GPU unless allowed; group_max_gpus on the account', () => {
    expect(out.accounts).toEqual([
      { name: 'ds01-students', group: 'students', grpTres: 'gres/gpu=3' },
      { name: 'ds01-researchers', group: 'researchers', grpTres: '' },
    ]);
    const students = out.qos.find((q) => q.name === 'ds01-students');
    expect(students).toEqual({
      name: 'ds01-students',
      group: 'students',
      grpTres: '',
      maxTresPerUser: 'gres/gpu:full=0,gres/gpu=2',
      maxWallMinutes: 120,
      priority: 10,
    });
    const researchers = out.qos.find((q) => q.name === 'ds01-researchers');
    expect(researchers).toMatchObject({ grpTres: '', maxTresPerUser: 'gres/gpu=4', maxWallMinutes: 2160 });
  });

  it('sacctmgr commands: QOS, account with only that QOS, and each member', () => {
    expect(out.sacctmgr).toContain(
      'sacctmgr -i modify qos where name=ds01-students set GrpTRES=gres/gpu=-1 MaxTRESPerUser=gres/gpu=2,gres/gpu:full=0 MaxWall=02:00:00 Priority=10 Flags=DenyOnLimit',
    );
    expect(out.sacctmgr).toContain(
      'sacctmgr -i modify qos where name=ds01-researchers set GrpTRES=gres/gpu=-1 MaxTRESPerUser=gres/gpu=4,gres/gpu:full=-1 MaxWall=1-12:00:00 Priority=20 Flags=DenyOnLimit',
    );
    expect(out.sacctmgr).toContain(
      'sacctmgr -i modify account where name=ds01-students cluster=lab set QOS=ds01-students DefaultQOS=ds01-students GrpTRES=gres/gpu=3',
    );
    expect(out.sacctmgr).toContain(
      'sacctmgr -i modify account where name=ds01-researchers cluster=lab set QOS=ds01-researchers DefaultQOS=ds01-researchers GrpTRES=gres/gpu=-1',
    );
    const users = out.sacctmgr.filter((c) => c.includes('add user'));
    expect(users).toEqual([
      'sacctmgr -i add user alice Account=ds01-students DefaultAccount=ds01-students Cluster=lab',
      'sacctmgr -i add user bob Account=ds01-students DefaultAccount=ds01-students Cluster=lab',
      'sacctmgr -i add user carol Account=ds01-researchers DefaultAccount=ds01-researchers Cluster=lab',
      // dave is in no listed group: the default group's account
      'sacctmgr -i add user dave Account=ds01-students DefaultAccount=ds01-students Cluster=lab',
    ]);
    expect(out.notes.some((n) => n.includes('"Bad Name"'))).toBe(true);
  });

  it("user_overrides: a QOS of their own (group limits + override) as their association's only one", () => {
    expect(out.users).toEqual([
      { user: 'bob', account: 'ds01-students', qos: 'ds01-u-bob' },
      { user: 'dave', account: 'ds01-students', qos: 'ds01-u-dave' },
    ]);
    expect(out.qos.find((q) => q.name === 'ds01-u-bob')).toEqual({
      name: 'ds01-u-bob',
      group: 'students',
      grpTres: '',
      maxTresPerUser: 'gres/gpu:full=0,gres/gpu=3',
      maxWallMinutes: 240,
      priority: 10,
    });
    expect(out.qos.find((q) => q.name === 'ds01-u-dave')).toMatchObject({
      priority: 50,
      maxWallMinutes: 120,
    });
    // erin's override (CPUs) is ds01d's on each node: no QOS.
    expect(out.qos.some((q) => q.name === 'ds01-u-erin')).toBe(false);
    const bob = out.sacctmgr.filter((c) => c.includes('bob'));
    expect(bob.slice(-3)).toEqual([
      'sacctmgr -i add qos ds01-u-bob',
      'sacctmgr -i modify qos where name=ds01-u-bob set GrpTRES=gres/gpu=-1 MaxTRESPerUser=gres/gpu=3,gres/gpu:full=0 MaxWall=04:00:00 Priority=10 Flags=DenyOnLimit',
      'sacctmgr -i modify user where name=bob account=ds01-students cluster=lab set QOS=ds01-u-bob DefaultQOS=ds01-u-bob',
    ]);
  });

  it('gres.conf lists every slot in the mapping order; slurm.conf names the nodes, TRES and scripts', () => {
    expect(out.gresConf).toContain('NodeName=n1 Name=gpu Type=1g.10gb File=/dev/ds01-gres/n1/gpu1 # MIG-2');
    expect(out.gresConf).toContain('NodeName=n2 Name=gpu Type=full File=/dev/ds01-gres/n2/gpu0 # GPU-9');
    expect(out.slurmConf).toContain('AccountingStorageTRES=gres/gpu,gres/gpu:1g.10gb,gres/gpu:full');
    expect(out.slurmConf).toContain('NodeName=n1 Gres=gpu:1g.10gb:2');
    expect(out.slurmConf).toContain('Prolog=/usr/lib/ds01/slurm-prolog');
    expect(out.slurmConf).toContain('AccountingStorageEnforce=associations,limits,qos,safe');
  });

  it('a group name Slurm cannot take is left out with a note, never quoted into a command', () => {
    const p = policy(`${POLICY}  "x;rm -rf":\n    max_mig_instances: 1\n`);
    const r = renderSlurm({
      policy: p,
      cluster: 'lab',
      nodes: [{ name: 'n1;x', slots: [] }],
      members: {},
      deviceDir: '/d',
      prolog: '/p',
      epilog: '/e',
    });
    expect(r.sacctmgr.join('\n')).not.toContain('rm -rf');
    expect(r.notes.some((n) => n.includes('x;rm -rf'))).toBe(true);
    expect(r.slurmConf).not.toContain('n1;x');
  });
});

describe('Slurm spellings', () => {
  it('durations both ways, TRES in one order', () => {
    expect(slurmDuration(90)).toBe('01:30:00');
    expect(slurmDuration(2160)).toBe('1-12:00:00');
    expect(parseSlurmDuration('1-12:00:00')).toBe(2160);
    expect(parseSlurmDuration('02:00:00')).toBe(120);
    expect(parseSlurmDuration('30:00')).toBe(30);
    expect(parseSlurmDuration('45')).toBe(45);
    expect(parseSlurmDuration('')).toBeNull();
    expect(normalizeTres('gres/gpu=2,gres/gpu:full=0')).toBe(normalizeTres('gres/gpu:full=0, gres/gpu=2'));
  });
});
