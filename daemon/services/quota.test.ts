// QuotaService on a real store: what a sequence of measurements does — one warning per crossing (notice,
// event, terminals), a failed scan keeping the last measurement, the gate deciding on the stored row and
// asking for a rescan, one scan per user at a time. The du scan and Docker are scripted here; the real ones
// run in testing/integration/quota.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ds01Error } from '../errors.js';
import { silentLogger } from '../log.js';
import { parsePolicy } from '../policy/load.js';
import type { Policy } from '../policy/types.js';
import type { DuResult } from '../quota/du.js';
import { auditLog } from '../store/audit.js';
import { Store } from '../store/index.js';
import { QuotaService } from './quota.js';

const MiB = 1024 * 1024;
const ALICE = { uid: 1001, gid: 1001, name: 'alice', home: '/home/alice', shell: '/bin/sh', groups: [] };

let dir: string;
let store: Store;
let now = 1_000_000;
let next: (DuResult | null)[];
let scans = 0;
let told: string[];
let svc: QuotaService;
let current: Policy;

function policy(enforce = true): Policy {
  const r = parsePolicy(
    `defaults:\n  storage_workspace: 10m\npolicies:\n  enforce_storage_quotas: ${enforce}\n`,
    'p.yaml',
  );
  if (!r.ok) throw new Error('bad test policy');
  return r.policy;
}

const du = (mib: number): DuResult => ({
  totalBytes: mib * MiB,
  largest: [{ name: 'data', bytes: mib * MiB }],
});

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ds01-quota-'));
  store = Store.open(join(dir, 'ds01.db'));
  next = [];
  scans = 0;
  told = [];
  current = policy();
  svc = new QuotaService({
    store,
    policy: { current: () => current },
    accounts: {
      byUid: async (uid) => (uid === ALICE.uid ? ALICE : null),
      byName: async () => null,
      groupMembers: async () => null,
    },
    clock: { now: () => now },
    log: silentLogger,
    audit: auditLog(store.events, () => now),
    docker: {
      listImages: async () => [],
      inspectImage: async () => ({ id: '', labels: {}, layers: [], onBuild: [] }),
    },
    scanWorkspace: async () => {
      scans++;
      const r = next.shift() ?? null; // taken at the call: a scan left over from the last test takes nothing here
      await new Promise((done) => setTimeout(done, 5));
      return r;
    },
    tellTerminals: (_u, text) => told.push(text),
  });
});

afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const warnings = () => store.events.query({ kind: 'quota.warning' });
const gate = () => svc.check({ uid: ALICE.uid, name: 'alice', groups: [] }, 'container-deploy');

describe('QuotaService', () => {
  it('warns once per crossing: soft, then hard; nothing on a repeat; cleared on the way back', async () => {
    next = [du(5), du(8.5), du(9), du(11), du(11), du(2)];
    for (let i = 0; i < 6; i++) {
      now += 60_000;
      await svc.refresh(ALICE.uid);
    }
    const kinds = store.events
      .query({ kind: 'quota.' })
      .map((e) => `${e.kind}:${(e.data as { level: string }).level}`);
    expect(kinds).toEqual(['quota.warning:soft', 'quota.warning:hard', 'quota.cleared:ok']);
    expect(told).toHaveLength(2);
    expect(told[0]).toMatch(/8\.5 MiB, 85% of its 10\.0 MiB quota/);
    expect(store.notices.forUser(ALICE.uid, { unreadOnly: true, since: 0 })).toHaveLength(2);
  });

  it('a failed scan keeps the last measurement, so the gate still refuses', async () => {
    next = [du(12), null];
    await svc.refresh(ALICE.uid);
    expect(gate).toThrow(Ds01Error);
    now += 60_000;
    await svc.refresh(ALICE.uid);
    expect(store.storageUsage.get(ALICE.uid, 'workspace')?.bytes).toBe(12 * MiB);
    expect(gate).toThrow(/your ~\/workspace uses 12\.0 MiB of its 10\.0 MiB quota/);
  });

  it('the gate: unmeasured passes, over refuses with QUOTA_EXCEEDED and asks for a rescan once the row is old', async () => {
    expect(gate).not.toThrow();
    next = [du(12), du(3)];
    await svc.refresh(ALICE.uid);
    let err: unknown;
    try {
      gate();
    } catch (e) {
      err = e;
    }
    expect((err as Ds01Error).code).toBe('QUOTA_EXCEEDED');
    expect((err as Ds01Error).hint).toContain('data (12.0 MiB)');
    expect(scans).toBe(1); // a fresh row: no rescan
    now += 60_000;
    expect(gate).toThrow(Ds01Error);
    await svc.refresh(ALICE.uid); // joins the scan the refusal started (one per user at a time)
    expect(scans).toBe(2); // the refusal asked for one; it found 3 MiB
    expect(gate).not.toThrow();
  });

  it('enforce_storage_quotas: false measures and warns but refuses nothing', async () => {
    current = policy(false);
    next = [du(12)];
    await svc.refresh(ALICE.uid);
    expect(warnings()).toHaveLength(1);
    expect(gate).not.toThrow();
  });

  it('one scan per user at a time: concurrent refreshes share it', async () => {
    next = [du(1), du(2)];
    await Promise.all([svc.refresh(ALICE.uid), svc.refresh(ALICE.uid), svc.refresh(ALICE.uid)]);
    expect(scans).toBe(1);
  });

  it('a scan cut short counts only as a lower bound: it raises what the gate sees, never lowers it', async () => {
    const partial = (mib: number): DuResult => ({ ...du(mib), partial: true });
    next = [partial(4)];
    await svc.refresh(ALICE.uid); // nothing stored yet: at least 4 MiB is the best known
    expect(store.storageUsage.get(ALICE.uid, 'workspace')?.bytes).toBe(4 * MiB);
    next = [partial(15)];
    await svc.refresh(ALICE.uid); // too big to finish, but already over: refused
    expect(gate).toThrow(/uses 15\.0 MiB of its 10\.0 MiB quota/);
    next = [partial(2)];
    await svc.refresh(ALICE.uid); // a cut-short scan that saw less says nothing about the rest
    expect(store.storageUsage.get(ALICE.uid, 'workspace')?.bytes).toBe(15 * MiB);
    next = [du(3)];
    await svc.refresh(ALICE.uid); // a full scan is the truth again
    expect(gate).not.toThrow();
  });
});
