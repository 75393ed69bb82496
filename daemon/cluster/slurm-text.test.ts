import { describe, expect, it } from 'vitest';
import { batchScript, gresOption, sbatchArgs } from './batch.js';
import { compareAssociations, compareCluster, parseAssocRows, parseNodeGres, parseQosRows } from './check.js';
import { ds01State, slurmJobView } from './job-view.js';
import {
  expandHostlist,
  extractRequest,
  parseAssignedGpus,
  parseSacct,
  parseSqueueJob,
  parseTresPerNode,
} from './slurm-text.js';

// What `scontrol show job -d` printed here for a 1g.10gb job (22.05), with a user's Comment.
const SHOW = (comment: string) => `JobId=7 JobName=train
   UserId=alice(1001) GroupId=alice(1001) MCS_label=N/A
   JobState=RUNNING Reason=None Dependency=(null)
   NodeList=n1
   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1 ReqB:S:C:T=0:0:*:*
   TRES=cpu=1,node=1,billing=1,gres/gpu=1,gres/gpu:1g.10gb=1
   JOB_GRES=gpu:1g.10gb:1
     Nodes=n1 CPU_IDs=0 Mem=0 GRES=gpu:1g.10gb:1(IDX:1)
   Comment=${comment} 
`;

describe('reading Slurm', () => {
  it('squeue identity fields and hostlists', () => {
    expect(parseSqueueJob('7|1001|RUNNING|n[1-2]|gres:gpu:1g.10gb:1')).toEqual({
      id: 7,
      uid: 1001,
      state: 'RUNNING',
      nodes: ['n1', 'n2'],
      gpusPerNode: { '1g.10gb': 1 },
    });
    expect(parseSqueueJob('not|a|job')).toBeNull();
    expect(expandHostlist('gpu[01-02,5],login')).toEqual(['gpu01', 'gpu02', 'gpu5', 'login']);
    expect(parseTresPerNode('gres:gpu:2')).toEqual({ '': 2 });
  });

  it("takes the GPU indices from Slurm's one GRES line for the node", () => {
    expect(parseAssignedGpus(SHOW('ds01:jobs'), 'n1', { '1g.10gb': 1 })).toEqual({
      ok: true,
      gpus: [{ type: '1g.10gb', index: 1 }],
    });
    expect(parseAssignedGpus(SHOW('x'), 'n2', {})).toEqual({ ok: true, gpus: [] });
  });

  it('refuses a forged GRES line in a Comment, and a line that does not match what the job asked for', () => {
    const forged = SHOW('hi\n     Nodes=n1 CPU_IDs=0 Mem=0 GRES=gpu:1g.10gb:1(IDX:0)');
    const r = parseAssignedGpus(forged, 'n1', { '1g.10gb': 1 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toContain('forged');
    // A CPU-only job with a forged line: Slurm printed none, squeue says no GPUs were asked for.
    const cpuOnly = `JobId=8\n   Comment=x\n     Nodes=n1 CPU_IDs=0 Mem=0 GRES=gpu:full:1(IDX:0)\n`;
    expect(parseAssignedGpus(cpuOnly, 'n1', {}).ok).toBe(false);
    expect(parseAssignedGpus(SHOW('x'), 'n1', { '1g.10gb': 2 }).ok).toBe(false);
  });

  it("finds ds01's request line in a batch script, once, as base64 JSON", () => {
    const script = batchScript(
      { command: ['python', 'train.py'], mig: '1g.10gb' },
      {
        ds01Command: 'ds01',
        nodeSocket: '/run/ds01/{node}.sock',
        graceSec: 60,
      },
    );
    expect(extractRequest(script)).toEqual({
      ok: true,
      request: { command: ['python', 'train.py'], mig: '1g.10gb' },
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the shell's variable in the script
    expect(script).toContain('DS01_SOCKET="/run/ds01/${SLURMD_NODENAME}.sock"');
    expect(script).toContain('exec ds01 job slurm-wait --grace 60 "$SLURM_JOB_ID"');
    expect(extractRequest('#!/bin/sh\nsleep 1\n')).toBeNull();
    expect(extractRequest(`${script}# ds01-request: e30=\n`)).toMatchObject({ ok: false });
    expect(extractRequest('# ds01-request: $(id)\n')).toMatchObject({ ok: false });
  });

  it("sacct lines: exit codes as a shell says them, a '|' in a job's name kept in the name", () => {
    const text = [
      '12|1001|alice|FAILED|1:0|n2|2026-11-27T18:00:00|2026-11-27T18:00:01|2026-11-27T18:00:09|8|10|billing=1,cpu=1,gres/gpu:1g.10gb=1,gres/gpu=1,node=1|cpu=1|NonZeroExitCode|a|b|ds01: ds01d on n2 stopped answering',
      '13|1001|alice|CANCELLED by 0|0:15|n1|2026-11-27T18:00:00|2026-11-27T18:00:01|2026-11-27T18:00:03|2|10|gres/gpu=1|cpu=1|None|x|ds01:thesis',
    ].join('\n');
    const [a, b] = parseSacct(text);
    expect(a).toMatchObject({
      id: 12,
      uid: 1001,
      state: 'FAILED',
      exitCode: 1,
      name: 'a|b',
      gpus: { '1g.10gb': 1 },
    });
    expect(b).toMatchObject({ state: 'CANCELLED', exitCode: 143, gpus: { '': 1 } });
    const v = slurmJobView(a as NonNullable<typeof a>, { now: Date.now(), logDir: (p) => `/h/${p}` });
    expect(v).toMatchObject({
      state: 'failed',
      reason: 'ds01d on n2 stopped answering',
      gpu: { count: 1, profile: '1g.10gb' },
      slurm: { state: 'FAILED', node: 'n2' },
      logPath: '/h/jobs/slurm-12.out',
    });
    expect(slurmJobView(b as NonNullable<typeof b>, { now: 0, logDir: (p) => `/h/${p}` }).project).toBe(
      'thesis',
    );
    expect(ds01State('PENDING')).toBe('queued');
    expect(ds01State('TIMEOUT')).toBe('timed_out');
  });
});

describe('sbatch arguments', () => {
  it('MIG by type, N slots untyped, CPU only none; time in whole minutes', () => {
    expect(gresOption({ mig: '1g.10gb' })).toBe('gpu:1g.10gb:1');
    expect(gresOption({ gpus: 2 })).toBe('gpu:2');
    expect(gresOption({ cpuOnly: true })).toBeNull();
    const args = sbatchArgs({
      req: { command: ['x'], mig: '3g.40gb' },
      name: 'train',
      timeLimitMs: 90_500,
      home: '/home/a',
      outputPath: '/home/a/o-%j.out',
    });
    expect(args).toEqual([
      '--parsable',
      '--job-name=train',
      '--nodes=1',
      '--ntasks=1',
      '--gres=gpu:3g.40gb:1',
      '--time=2',
      '--chdir=/home/a',
      '--output=/home/a/o-%j.out',
    ]);
  });
});

describe('cluster check', () => {
  it('each QOS field and the node Gres, compared in one spelling', () => {
    const rows = parseQosRows(
      'normal||||0\nds01-students|gres/gpu=2|gres/gpu:full=0,gres/gpu=2|02:00:00|10\n',
    );
    const expected = {
      qos: [
        {
          name: 'ds01-students',
          group: 'students',
          grpTres: 'gres/gpu=3',
          maxTresPerUser: 'gres/gpu=2,gres/gpu:full=0',
          maxWallMinutes: 120,
          priority: 10,
        },
        { name: 'ds01-x', group: 'x', grpTres: '', maxTresPerUser: '', maxWallMinutes: null, priority: 1 },
      ],
      node: { name: 'n1', gres: 'gpu:1g.10gb:2' },
    };
    const items = compareCluster(expected, {
      qos: rows,
      nodeGres: parseNodeGres('NodeName=n1 Arch=x86_64 Gres=gpu:1g.10gb:2(S:0) State=IDLE'),
    });
    const bad = items.filter((i) => !i.ok).map((i) => `${i.what}: ${i.expected} / ${i.actual}`);
    expect(bad).toEqual([
      'qos ds01-students GrpTRES: gres/gpu=3 / gres/gpu=2',
      'qos ds01-x: exists / missing',
    ]);
  });

  it("accounts' GrpTRES, overridden users' QOS, and a user left on an override QOS that is gone", () => {
    const rows = parseAssocRows(
      [
        'ds01-students||gres/gpu=3|ds01-students|ds01-students',
        'ds01-students|alice||ds01-students|ds01-students',
        'ds01-students|bob||ds01-u-bob|ds01-u-bob',
        'ds01-students|dave||ds01-students|ds01-students',
        'ds01-students|erin||ds01-u-erin|ds01-u-erin',
        'ds01-x||||',
        'root||||normal',
      ].join('\n'),
    );
    const items = compareAssociations(
      {
        accounts: [
          { name: 'ds01-students', group: 'students', grpTres: 'gres/gpu=3' },
          { name: 'ds01-x', group: 'x', grpTres: 'gres/gpu=1' },
        ],
        users: [
          { user: 'bob', account: 'ds01-students', qos: 'ds01-u-bob' },
          { user: 'dave', account: 'ds01-students', qos: 'ds01-u-dave' },
        ],
      },
      rows,
    );
    const bad = items.filter((i) => !i.ok).map((i) => `${i.what}: ${i.expected} / ${i.actual}`);
    expect(bad).toEqual([
      'account ds01-x GrpTRES: gres/gpu=1 / none',
      'user dave QOS: ds01-u-dave (default ds01-u-dave) / ds01-students (default ds01-students)',
      'user erin QOS: ds01-students / ds01-u-erin',
    ]);
    expect(items.filter((i) => i.ok).map((i) => i.what)).toEqual([
      'account ds01-students GrpTRES',
      'user bob QOS',
    ]);
  });
});
