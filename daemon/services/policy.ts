// Holds the policy in force. A reload that fails validation never takes effect: the last good policy
// stays, the error is kept for `ds01 status`, logged, and recorded as an event.
import { existsSync, type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { formatDiagnostics } from '../policy/diagnostics.js';
import { parsePolicy } from '../policy/load.js';
import type { Diagnostic, Policy } from '../policy/types.js';

export interface PolicyReloadResult {
  ok: boolean;
  changed: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  message: string;
}

export class PolicyService {
  private policy: Policy;
  loadedAt: number | null = null;
  lastError: string | null = null;
  private lastText: string | null = null;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private listeners = new Set<(next: Policy, prev: Policy) => void>();
  private failureListeners = new Set<(message: string) => void>();

  private constructor(
    readonly file: string,
    initial: Policy,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.policy = initial;
  }

  /** Load at start-up. An invalid file at start is fatal: there is no last good policy to keep. */
  static load(file: string, clock: Clock, log: Logger): PolicyService {
    if (!existsSync(file)) {
      throw new Error(
        `policy file ${file} does not exist; install config/resource-limits.yaml there or pass --policy`,
      );
    }
    const text = readFileSync(file, 'utf8');
    const r = parsePolicy(text, file, { now: new Date(clock.now()) });
    if (!r.ok) throw new Error(`policy ${file} is invalid:\n${formatDiagnostics(r.errors)}`);
    for (const w of r.warnings) log.warn('policy warning', { diagnostic: formatDiagnostics([w]) });
    const svc = new PolicyService(file, r.policy, clock, log);
    svc.loadedAt = clock.now();
    svc.lastText = text;
    return svc;
  }

  current(): Policy {
    return this.policy;
  }

  onChange(fn: (next: Policy, prev: Policy) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onFailure(fn: (message: string) => void): () => void {
    this.failureListeners.add(fn);
    return () => this.failureListeners.delete(fn);
  }

  reload(): PolicyReloadResult {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      return this.fail(`cannot read ${this.file}: ${(err as Error).message}`, []);
    }
    const r = parsePolicy(text, this.file, { now: new Date(this.clock.now()) });
    if (!r.ok) return this.fail(formatDiagnostics(r.errors), r.errors, r.warnings);
    const changed = text !== this.lastText;
    const prev = this.policy;
    this.policy = r.policy;
    this.lastText = text;
    this.lastError = null;
    this.loadedAt = this.clock.now();
    if (changed) {
      this.log.info('policy reloaded', { file: this.file });
      for (const l of this.listeners) l(r.policy, prev);
    }
    return {
      ok: true,
      changed,
      errors: [],
      warnings: r.warnings,
      message: changed ? 'policy reloaded' : 'policy unchanged',
    };
  }

  private fail(message: string, errors: Diagnostic[], warnings: Diagnostic[] = []): PolicyReloadResult {
    const first = this.lastError !== message;
    this.lastError = message;
    if (first) {
      this.log.error('policy edit rejected; keeping the last good policy', {
        file: this.file,
        errors: message,
      });
      for (const l of this.failureListeners) l(message);
    }
    return { ok: false, changed: false, errors, warnings, message };
  }

  /** Watch the file (editors replace it by rename, so watch the directory). */
  watch(): void {
    if (this.watcher) return;
    const name = basename(this.file);
    try {
      this.watcher = watch(dirname(this.file), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        if (this.debounce) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.reload(), 300);
      });
    } catch (err) {
      this.log.warn('cannot watch the policy file; reload with SIGHUP or `ds01 config reload`', { err });
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.debounce) clearTimeout(this.debounce);
  }
}
