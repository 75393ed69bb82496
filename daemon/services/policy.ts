// Holds the policy in force. A reload that fails validation never takes effect: the last good policy
// stays, the error is kept for `ds01 status`, logged, and recorded as an event. Every policy that takes
// effect is also saved to the state directory, so a start with an invalid file on disk runs on that copy
// (and says why) instead of locking everyone out; only a first start with no good policy ever is fatal.
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { formatDiagnostics } from '../policy/diagnostics.js';
import { readLastGood, saveLastGood } from '../policy/last-good.js';
import { parsePolicy } from '../policy/load.js';
import type { Diagnostic, Policy } from '../policy/types.js';

export interface PolicyReloadResult {
  ok: boolean;
  changed: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  message: string;
}

/** Where the policy in force came from: the file, or the saved copy because the file is invalid. */
export type PolicySource = { kind: 'file' } | { kind: 'last-good'; path: string; savedAt: number };

export class PolicyService {
  private policy: Policy;
  loadedAt: number | null = null;
  lastError: string | null = null;
  source: PolicySource = { kind: 'file' };
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
    /** The saved copy of the last policy that took effect (null: not kept, as in unit tests). */
    private readonly lastGoodFile: string | null,
  ) {
    this.policy = initial;
  }

  /**
   * Load at start-up. An invalid or unreadable file falls back to the saved last good policy, with the
   * file's error kept for status/doctor/dashboard; with no saved copy (first start) it is fatal.
   */
  static load(file: string, clock: Clock, log: Logger, lastGoodFile: string | null = null): PolicyService {
    const now = () => new Date(clock.now());
    let why = '';
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      why =
        code === 'ENOENT'
          ? `policy file ${file} does not exist; install config/resource-limits.yaml there or pass --policy`
          : `cannot read ${file}: ${(err as Error).message}`;
    }
    if (text !== null) {
      const r = parsePolicy(text, file, { now: now() });
      if (r.ok) {
        for (const w of r.warnings) log.warn('policy warning', { diagnostic: formatDiagnostics([w]) });
        const svc = new PolicyService(file, r.policy, clock, log, lastGoodFile);
        svc.loadedAt = clock.now();
        svc.lastText = text;
        svc.persist(text);
        return svc;
      }
      why = `policy ${file} is invalid:\n${formatDiagnostics(r.errors)}`;
    }
    const saved = lastGoodFile ? readLastGood(lastGoodFile) : null;
    if (!lastGoodFile || !saved) {
      throw new Error(
        `${why}\nno last good policy is saved${lastGoodFile ? ` (${lastGoodFile})` : ''}, so there is nothing to start on; fix the file (\`ds01d --check-config ${file}\`)`,
      );
    }
    const r = parsePolicy(saved.text, lastGoodFile, { now: now() });
    if (!r.ok) {
      throw new Error(
        `${why}\nthe saved last good policy ${lastGoodFile} does not validate either:\n${formatDiagnostics(r.errors)}`,
      );
    }
    const svc = new PolicyService(file, r.policy, clock, log, lastGoodFile);
    svc.loadedAt = clock.now();
    svc.lastError = why;
    svc.source = { kind: 'last-good', path: lastGoodFile, savedAt: saved.savedAt };
    log.error('policy file rejected at start; running on the last good policy', {
      file,
      lastGood: lastGoodFile,
      savedAt: new Date(saved.savedAt).toISOString(),
      errors: why,
    });
    return svc;
  }

  /** Keep the text that just took effect; a failure to save is logged, never fatal to the reload. */
  private persist(text: string): void {
    if (!this.lastGoodFile) return;
    try {
      const saved = readLastGood(this.lastGoodFile);
      if (saved?.text !== text) saveLastGood(this.lastGoodFile, text);
    } catch (err) {
      this.log.error('cannot save the last good policy', { path: this.lastGoodFile, err: String(err) });
    }
  }

  current(): Policy {
    return this.policy;
  }

  /** The file the policy in force was read from (the saved last good copy when the file is invalid). */
  fileInForce(): string {
    return this.source.kind === 'last-good' ? this.source.path : this.file;
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
    this.source = { kind: 'file' };
    this.loadedAt = this.clock.now();
    this.persist(text);
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
