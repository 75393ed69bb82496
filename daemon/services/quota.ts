// Storage quotas (issue 21): measures each user's ~/workspace (the du scan of workspace-size.ts) and the
// images they own, keeps the last measurement per user in the store, tells them once per crossing of the soft
// or hard limit (notice, terminals, the `quota.warning` event the notifier routes), and answers the gate a
// deploy, create, build or job passes: synchronous, from the stored measurement, never waiting on a scan.
import type { QuotaReport, StorageLine } from '../api/types/quota.js';
import type { Clock } from '../clock.js';
import type { DockerClient } from '../docker/client.js';
import { Ds01Error, notFound } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import type { AccountLookup } from '../identity/nss.js';
import { imageOwners } from '../images/resolve.js';
import type { Logger } from '../log.js';
import { resolveLimits } from '../policy/resolve.js';
import type { ResolvedLimits } from '../policy/types.js';
import type { DuResult } from '../quota/du.js';
import { type ImageFacts, type ImageUse, imageUse } from '../quota/image-bytes.js';
import {
  crossing,
  type KindUse,
  type Largest,
  levelOf,
  levelToStore,
  quotaOf,
  refusal,
  type StorageKind,
  warningText,
} from '../quota/levels.js';
import type { Audit } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { StorageUsageRow } from '../store/storage-usage.js';
import type { PolicyService } from './policy.js';

export interface QuotaDeps {
  store: Store;
  policy: Pick<PolicyService, 'current'>;
  accounts: AccountLookup;
  clock: Clock;
  log: Logger;
  audit: Audit;
  docker: Pick<DockerClient, 'listImages' | 'inspectImage'>;
  /** The du scan (one at a time daemon-wide); null = not measured. */
  scanWorkspace: (home: string) => Promise<DuResult | null>;
  tellTerminals: (user: { uid: number; name: string }, text: string) => void;
}

const KINDS: readonly StorageKind[] = ['workspace', 'images'];
/** A refusal asks for a fresh scan when the one it used is older than this (the user may have cleaned up). */
const RESCAN_AFTER_REFUSAL_MS = 30_000;

export class QuotaService {
  /** One scan per user at a time: a second request for the same user waits for the one under way. */
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Image id → its layers (an image id names its content, so this never goes stale). */
  private readonly layers = new Map<string, readonly string[]>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly d: QuotaDeps) {}

  private limitsOf(who: { name: string; groups: readonly string[]; uid: number }): ResolvedLimits {
    return resolveLimits(this.d.policy.current(), who, new Date(this.d.clock.now()));
  }

  private use(kind: StorageKind, row: StorageUsageRow | undefined, r: ResolvedLimits): KindUse {
    const hard = kind === 'workspace' ? r.limits.storageWorkspaceBytes : r.limits.storageImagesBytes;
    return {
      kind,
      usedBytes: row?.bytes ?? null,
      quota: quotaOf(hard, r.lifecycle.storageSoftThreshold),
      largest: row?.largest ?? [],
    };
  }

  /**
   * The gate of everything that writes more: throws QUOTA_EXCEEDED over a hard limit (with what to delete),
   * from the stored measurement. A refusal on an older scan asks for a new one in the background.
   */
  check(caller: Pick<Caller, 'uid' | 'name' | 'groups'>, action: string): void {
    const r = this.limitsOf(caller);
    const rows = KINDS.map((k) => this.d.store.storageUsage.get(caller.uid, k));
    const uses = KINDS.map((k, i) => this.use(k, rows[i], r));
    const refused = refusal(action, uses, r.lifecycle.enforceStorageQuotas);
    if (!refused) return;
    const oldest = Math.min(...rows.map((x) => x?.measured_at ?? 0));
    if (this.d.clock.now() - oldest > RESCAN_AFTER_REFUSAL_MS) void this.refresh(caller.uid);
    throw new Ds01Error('QUOTA_EXCEEDED', refused.message, refused.hint);
  }

  /** Measure one user now (coalesced with a scan of theirs already under way). Never throws. */
  refresh(uid: number): Promise<void> {
    const running = this.inFlight.get(uid);
    if (running) return running;
    const run = this.measure(uid)
      .catch((err) => this.d.log.warn('quota: scan failed', { uid, err: String(err) }))
      .finally(() => this.inFlight.delete(uid));
    this.inFlight.set(uid, run);
    return run;
  }

  private async measure(uid: number): Promise<void> {
    const acct = await this.d.accounts.byUid(uid);
    if (!acct) return;
    const [ws, images] = await Promise.all([
      this.d.scanWorkspace(acct.home),
      this.imagesOf(uid).catch((err) => {
        this.d.log.warn('quota: cannot list images', { err: String(err) });
        return null;
      }),
    ]);
    this.record(acct, 'workspace', this.workspaceMeasurement(uid, ws));
    this.record(
      acct,
      'images',
      images ? { bytes: images.totalBytes, largest: images.largest.slice(0, 10) } : null,
    );
  }

  /**
   * A full scan as it is. A scan cut short (a workspace too big to scan in time) counts only when what it
   * finished already exceeds the last measurement: a lower bound may raise what the gate sees, never lower it.
   */
  private workspaceMeasurement(
    uid: number,
    ws: DuResult | null,
  ): { bytes: number; largest: Largest[] } | null {
    if (!ws) return null;
    const bytes = ws.totalBytes ?? 0;
    if (!ws.partial) return { bytes, largest: ws.largest };
    const before = this.d.store.storageUsage.get(uid, 'workspace')?.bytes ?? -1;
    this.d.log.warn('quota: workspace scan ran out of time; what it finished is a lower bound', {
      uid,
      atLeastBytes: bytes,
      used: bytes > before,
    });
    return bytes > before ? { bytes, largest: ws.largest } : null;
  }

  /** The user's image storage: one image list, layers read once per image id. */
  private async imagesOf(uid: number): Promise<ImageUse> {
    const list = await this.d.docker.listImages({ all: true });
    const facts: ImageFacts[] = [];
    for (const img of list) {
      let layers = this.layers.get(img.id);
      if (!layers) {
        // Not cached when inspect fails (gone meanwhile, Docker busy): asked again at the next scan.
        const read = (await this.d.docker.inspectImage(img.id).catch(() => null))?.layers;
        layers = read ?? [];
        if (read) this.layers.set(img.id, read);
      }
      const { uids, named } = imageOwners(img);
      facts.push({
        id: img.id,
        sizeBytes: img.sizeBytes,
        layers,
        mine: named && uids.size === 1 && uids.has(uid),
        shared: named && uids.size === 0,
        name: img.repoTags.find((t) => t !== '<none>:<none>') ?? img.id.slice(7, 19),
      });
    }
    const live = new Set(list.map((i) => i.id));
    for (const id of this.layers.keys()) if (!live.has(id)) this.layers.delete(id);
    return imageUse(facts);
  }

  /** Store a measurement; on a crossing up, tell the user (once), on the way back under, record it. */
  private record(
    acct: { uid: number; name: string; groups: readonly string[] },
    kind: StorageKind,
    m: { bytes: number; largest: Largest[] } | null,
  ): void {
    const now = this.d.clock.now();
    const r = this.limitsOf(acct);
    let told: string | null = null;
    this.d.store.tx(() => {
      const before = this.d.store.storageUsage.get(acct.uid, kind);
      // A failed scan keeps the last measurement: it never lowers what the gate sees.
      if (!m) {
        if (!before) return;
        this.d.log.warn('quota: not measured this time; keeping the last measurement', {
          uid: acct.uid,
          kind,
        });
        return;
      }
      const use: KindUse = { ...this.use(kind, undefined, r), usedBytes: m.bytes, largest: m.largest };
      const level = levelOf(m.bytes, use.quota);
      const change = crossing(before?.level ?? null, level);
      this.d.store.storageUsage.put({
        uid: acct.uid,
        kind,
        bytes: m.bytes,
        largest: m.largest,
        measured_at: now,
        level: levelToStore(before?.level ?? null, level),
      });
      const data = {
        kind,
        usedBytes: m.bytes,
        hardBytes: use.quota.hardBytes,
        softBytes: use.quota.softBytes,
        level,
      };
      if (change === 'warn' && level) {
        told = warningText(use, level);
        this.d.store.notices.add({
          uid: acct.uid,
          container_id: null,
          container_name: null,
          kind: 'warning',
          deadline_key: null,
          point_ms: null,
          deadline_at: null,
          message: told.replace(/^ds01: /, ''),
          created_at: now,
        });
        this.d.audit.byDaemon(
          'quota.warning',
          { subjectUid: acct.uid },
          told.replace(/^ds01: /, ''),
          data,
          now,
        );
      } else if (change === 'clear') {
        this.d.audit.byDaemon(
          'quota.cleared',
          { subjectUid: acct.uid },
          `${kind} back under its warning level`,
          data,
          now,
        );
      }
    });
    if (told) this.d.tellTerminals(acct, told);
  }

  /** `ds01 quota`: the caller's own; an admin's `user` or `all`. `refresh` measures first (and waits). */
  async report(
    caller: Caller,
    opts: { user?: string; all?: boolean; refresh?: boolean },
  ): Promise<QuotaReport[]> {
    if ((opts.all || (opts.user !== undefined && opts.user !== caller.name)) && !caller.admin)
      throw new Ds01Error(
        'FORBIDDEN',
        "only admins can see another user's storage",
        'run `ds01 quota` without --user or --all for yours',
      );
    let who: { uid: number; name: string; groups: readonly string[] }[];
    if (opts.all) {
      const uids = this.knownUids();
      who = (await Promise.all(uids.map((u) => this.d.accounts.byUid(u).catch(() => null)))).filter(
        (a): a is NonNullable<typeof a> => a !== null,
      );
    } else if (opts.user !== undefined && opts.user !== caller.name) {
      const acct = /^\d+$/.test(opts.user)
        ? await this.d.accounts.byUid(Number(opts.user))
        : await this.d.accounts.byName(opts.user);
      if (!acct) throw notFound(`user "${opts.user}"`, 'check the name with `getent passwd NAME`');
      who = [acct];
    } else who = [caller];
    if (opts.refresh) await Promise.all(who.map((w) => this.refresh(w.uid)));
    else
      for (const w of who) if (!this.d.store.storageUsage.get(w.uid, 'workspace')) void this.refresh(w.uid);
    return who.map((w) => this.reportOf(w)).sort((a, b) => a.user.localeCompare(b.user));
  }

  private reportOf(w: { uid: number; name: string; groups: readonly string[] }): QuotaReport {
    const r = this.limitsOf(w);
    const line = (kind: StorageKind): StorageLine => {
      const row = this.d.store.storageUsage.get(w.uid, kind);
      const u = this.use(kind, row, r);
      return {
        kind,
        usedBytes: u.usedBytes,
        softBytes: u.quota.softBytes,
        hardBytes: u.quota.hardBytes,
        level: levelOf(u.usedBytes, u.quota),
        measuredAt: row ? new Date(row.measured_at).toISOString() : null,
        largest: [...u.largest],
      };
    };
    return {
      user: w.name,
      uid: w.uid,
      enforced: r.lifecycle.enforceStorageQuotas,
      threshold: r.lifecycle.storageSoftThreshold,
      workspace: line('workspace'),
      images: line('images'),
    };
  }

  /** Whom the schedule keeps measured: users measured before, with containers, or with any ds01 activity. */
  knownUids(): number[] {
    const s = this.d.store;
    const uids = new Set<number>([
      ...s.storageUsage.all().map((r) => r.uid),
      ...s.containers.live().map((c) => c.owner_uid),
      ...s.reports.lastActivity().keys(),
    ]);
    uids.delete(0);
    return [...uids].sort((a, b) => a - b);
  }

  /**
   * Scan every known user every `intervalMs`, the least recently measured first, one at a time. Stops by
   * itself once the store is closed (daemon shutdown), or on stop().
   */
  start(intervalMs: number): void {
    const tick = async () => {
      if (this.stopped || !this.d.store.isOpen) return;
      const measured = new Map(this.d.store.storageUsage.all().map((r) => [r.uid, r.measured_at]));
      const order = this.knownUids().sort((a, b) => (measured.get(a) ?? 0) - (measured.get(b) ?? 0));
      for (const uid of order) {
        if (this.stopped || !this.d.store.isOpen) return;
        await this.refresh(uid);
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), intervalMs).unref();
    };
    this.timer = setTimeout(() => void tick(), Math.min(intervalMs, 5_000)).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
