// The lifecycle as the API sees it: container-why, container-extend, a user's notices, and an admin's
// sweep (dry run or real). The engine (daemon/lifecycle/engine.ts) does the deciding and acting.

import type { ContainerWhy, ExtendResult, Notice, SweepReport } from '../api/types/lifecycle.js';
import { fitNotices } from '../api/types/notice-header.js';
import type { Clock } from '../clock.js';
import { localWhen } from '../common/when.js';
import { badRequest, Ds01Error } from '../errors.js';
import type { Caller } from '../identity/caller.js';
import { decide } from '../lifecycle/decide.js';
import type { LifecycleEngine, SweepResult } from '../lifecycle/engine.js';
import { deadlineInfo, explainDecision } from '../lifecycle/explain.js';
import { humanDuration, renderNotice } from '../lifecycle/words.js';
import { parseDuration, type UnitError } from '../policy/units.js';
import { type Audit, auditLog } from '../store/audit.js';
import type { Store } from '../store/index.js';
import type { ContainerQueries } from './containers-read.js';

/** Notices older than this are not shown any more. */
const NOTICE_MAX_AGE_MS = 7 * 86_400_000;

export class LifecycleService {
  constructor(
    private readonly store: Store,
    private readonly engine: LifecycleEngine,
    private readonly queries: ContainerQueries,
    private readonly clock: Clock,
  ) {
    this.audit = auditLog(store.events, () => clock.now());
  }

  private readonly audit: Audit;

  async why(caller: Caller, ref: string): Promise<ContainerWhy> {
    const row = this.queries.resolve(caller, ref);
    const input = await this.engine.inputFor(row);
    const now = this.clock.now();
    const why = explainDecision(input, decide(input, now), now);
    // Stopped by someone else (an admin, ds01d)? Say who and why, right after the state.
    if (row.state !== 'running') {
      const last = this.store.events.latestFor(row.id, 'container.stopped');
      if (last && last.actorUid !== row.owner_uid) {
        why.text.splice(1, 0, `Stopped ${localWhen(last.ts)} by ${last.actor}: ${last.reason}.`);
      }
    }
    return why;
  }

  async extend(caller: Caller, ref: string, duration?: string): Promise<ExtendResult> {
    const row = this.queries.resolve(caller, ref);
    const input = await this.engine.inputFor(row);
    const l = input.limits.limits;
    if (l.maxRuntimeMs === null) {
      throw new Ds01Error(
        'CONFLICT',
        `${row.project} has no max runtime; there is nothing to extend`,
        'it runs until you stop it (idle stops still apply)',
      );
    }
    if (l.extensionMs === null || l.maxExtensions <= 0) {
      throw new Ds01Error(
        'QUOTA_EXCEEDED',
        'your policy allows no runtime extensions',
        'ask an admin if you need longer runs',
      );
    }
    let ms = l.extensionMs;
    if (duration !== undefined && duration !== '') {
      let parsed: number | null;
      try {
        parsed = parseDuration(duration, 'h');
      } catch (err) {
        throw badRequest(
          `"${duration}" is not a duration: ${(err as UnitError).message}`,
          'use e.g. 30m, 2h or 1h30m',
        );
      }
      if (parsed === null || parsed <= 0)
        throw badRequest('the extension must be longer than 0', 'use e.g. 30m or 2h');
      if (parsed > l.extensionMs) {
        throw new Ds01Error(
          'QUOTA_EXCEEDED',
          `an extension is at most ${humanDuration(l.extensionMs)} (asked for ${humanDuration(parsed)})`,
          `run container-extend ${row.project} ${humanDuration(l.extensionMs)}`,
        );
      }
      ms = parsed;
    }
    const used = input.container.extensions;
    const ok = this.store.tx(() => {
      if (!this.engine.extensions.add(row.id, ms, l.maxExtensions)) return false;
      this.audit.byUser(
        caller,
        'lifecycle.extended',
        { subjectUid: row.owner_uid, containerId: row.id, containerName: row.name },
        `max runtime extended by ${humanDuration(ms)} (${used + 1} of ${l.maxExtensions})`,
        { addedSec: ms / 1000, extensions: used + 1 },
      );
      return true;
    });
    if (!ok) {
      throw new Ds01Error(
        'QUOTA_EXCEEDED',
        `${row.project} has used all ${l.maxExtensions} extension(s) the policy allows`,
        'save your work; it stops at its max runtime (container-why shows when)',
      );
    }
    const after = this.store.containers.get(row.id) ?? row;
    const next = await this.engine.inputFor(after);
    const now = this.clock.now();
    const d = decide(next, now);
    // The deadline moved: the engine re-arms its timer at the next sweep; do it now.
    void this.engine.reconcileOne(row.id).catch(() => undefined);
    const limitMs = l.maxRuntimeMs + next.container.extensionMs;
    return {
      id: row.id,
      name: row.project,
      addedSec: ms / 1000,
      extensions: next.container.extensions,
      maxExtensions: l.maxExtensions,
      limitSec: limitMs / 1000,
      stopsAt:
        after.state === 'running' && after.started_at !== null
          ? new Date(after.started_at + limitMs - after.runtime_ms).toISOString()
          : d.deadline?.kind === 'runtime'
            ? new Date(d.deadline.at).toISOString()
            : null,
    };
  }

  /** The caller's notices: unread (or all recent), optionally marking the unread ones shown. */
  notices(caller: Caller, opts: { all: boolean; mark: boolean }): Notice[] {
    const now = this.clock.now();
    const notices = this.read(caller, !opts.all, now);
    if (opts.mark) this.markShown(notices, now);
    return notices;
  }

  /**
   * The caller's unread notices for a command's answer header (api/types/notice-header.ts): those that
   * fit, marked shown; the rest stay unread for the next command.
   */
  unreadForAnswer(caller: Caller): string | null {
    const now = this.clock.now();
    const { fitted, value } = fitNotices(this.read(caller, true, now));
    this.markShown(fitted, now);
    return value;
  }

  private read(caller: Caller, unreadOnly: boolean, now: number): Notice[] {
    const rows = this.engine.notices.forUser(caller.uid, { unreadOnly, since: now - NOTICE_MAX_AGE_MS });
    return rows.map((r) => ({
      id: r.id,
      ts: new Date(r.created_at).toISOString(),
      container: r.container_name?.split('._.')[0] ?? null,
      kind: r.kind,
      message: renderNotice(r.message, r.deadline_at, now),
      deadline: r.deadline_at === null ? null : new Date(r.deadline_at).toISOString(),
      shown: r.shown_at !== null,
    }));
  }

  private markShown(notices: readonly Notice[], now: number): void {
    const unread = notices.filter((n) => !n.shown).map((n) => n.id);
    if (unread.length) this.store.tx(() => this.engine.notices.markShown(unread, now));
  }

  async sweep(opts: { dryRun: boolean }): Promise<SweepReport> {
    return toReport(await this.engine.sweep({ dryRun: opts.dryRun, sample: !opts.dryRun }), this.clock.now());
  }
}

export function toReport(r: SweepResult, now: number): SweepReport {
  return {
    dryRun: r.dryRun,
    startedAt: new Date(r.startedAt).toISOString(),
    durationMs: r.durationMs,
    sampled: r.sampled,
    containers: r.entries.map((e) => ({
      id: e.id,
      name: e.project,
      owner: e.owner,
      state: e.state,
      action: e.decision.action,
      reason: e.decision.reason,
      deadline: deadlineInfo(e.decision.deadline, now),
      applied: e.applied,
      error: e.error,
    })),
    errors: r.entries.filter((e) => e.error).length,
  };
}
