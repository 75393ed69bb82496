// Per-user aggregate caps (`groups.<g>.aggregate`) on a parent cgroup that all of one user's containers
// and builds go under, when dockerd uses the cgroupfs driver. Pure decisions (which file gets which value)
// are separate from the writes so both layouts are unit-tested without a kernel.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AggregateLimits } from '../policy/types.js';

export const CGROUP_ROOT = '/sys/fs/cgroup';
/** Docker's CgroupParent for a user under the cgroupfs driver (a path below each hierarchy's root). */
export function userCgroupParent(uid: number): string {
  return `/ds01/u${uid}`;
}

export type CgroupLayout = 'v1' | 'v2';
/** One file to write: `controller` is the v1 hierarchy directory ('' on the unified v2 tree). */
export interface CgroupWrite {
  controller: string;
  file: string;
  value: string;
}

const CPU_PERIOD_US = 100_000;

/** The files and values that express `a` (null or a null field = no cap, written as the kernel's "unlimited"). */
export function aggregateWrites(a: Readonly<AggregateLimits> | null, layout: CgroupLayout): CgroupWrite[] {
  const mem = a?.memoryMaxBytes ?? null;
  const high = a?.memoryHighBytes ?? null;
  const tasks = a?.tasksMax ?? null;
  const quota = a?.cpus != null ? Math.max(1000, Math.round(a.cpus * CPU_PERIOD_US)) : null;
  if (layout === 'v2') {
    return [
      { controller: '', file: 'memory.max', value: mem === null ? 'max' : String(mem) },
      { controller: '', file: 'memory.high', value: high === null ? 'max' : String(high) },
      { controller: '', file: 'pids.max', value: tasks === null ? 'max' : String(tasks) },
      { controller: '', file: 'cpu.max', value: `${quota === null ? 'max' : quota} ${CPU_PERIOD_US}` },
    ];
  }
  return [
    { controller: 'memory', file: 'memory.limit_in_bytes', value: mem === null ? '-1' : String(mem) },
    // v1 has no memory.high; the soft limit is the nearest (reclaim pressure above it).
    { controller: 'memory', file: 'memory.soft_limit_in_bytes', value: high === null ? '-1' : String(high) },
    { controller: 'pids', file: 'pids.max', value: tasks === null ? 'max' : String(tasks) },
    { controller: 'cpu', file: 'cpu.cfs_period_us', value: String(CPU_PERIOD_US) },
    { controller: 'cpu', file: 'cpu.cfs_quota_us', value: quota === null ? '-1' : String(quota) },
  ];
}

/** Kernel files read back as other spellings of "unlimited" (v1 memory reads a huge page-rounded number). */
export function sameValue(want: string, got: string): boolean {
  const g = got.trim().split(/\s+/)[0] ?? '';
  const w = want.split(' ')[0] ?? '';
  if (g === w) return true;
  if (w === '-1' || w === 'max') return g === 'max' || g === '-1' || Number(g) >= 2 ** 62;
  return false;
}

export function detectLayout(root: string = CGROUP_ROOT): CgroupLayout {
  return existsSync(join(root, 'cgroup.controllers')) ? 'v2' : 'v1';
}

function dirOf(root: string, layout: CgroupLayout, controller: string, uid: number): string {
  const base = layout === 'v2' ? root : join(root, controller);
  return join(base, userCgroupParent(uid));
}

/**
 * Create the user's parent cgroup (if missing) and write the caps. Throws with the file that failed
 * (e.g. memory.limit_in_bytes below what the user's containers already use).
 */
export function applyUserCgroup(
  uid: number,
  a: Readonly<AggregateLimits> | null,
  root: string = CGROUP_ROOT,
): void {
  const layout = detectLayout(root);
  if (layout === 'v2') {
    mkdirSync(dirOf(root, layout, '', uid), { recursive: true });
    // Controllers must be enabled in every ancestor for the files to exist below.
    for (const dir of [root, join(root, 'ds01')])
      writeFileSync(join(dir, 'cgroup.subtree_control'), '+cpu +memory +pids');
  }
  for (const w of aggregateWrites(a, layout)) {
    const dir = dirOf(root, layout, w.controller, uid);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(join(dir, w.file), w.value);
    } catch (err) {
      throw new Error(`cannot write ${w.value} to ${join(dir, w.file)}: ${(err as Error).message}`);
    }
  }
}

/** Differences between the caps `a` asks for and the user's parent cgroup on disk; [] when it matches. */
export function checkUserCgroup(
  uid: number,
  a: Readonly<AggregateLimits> | null,
  root: string = CGROUP_ROOT,
): string[] {
  const layout = detectLayout(root);
  const problems: string[] = [];
  for (const w of aggregateWrites(a, layout)) {
    const file = join(dirOf(root, layout, w.controller, uid), w.file);
    let got: string;
    try {
      got = readFileSync(file, 'utf8');
    } catch {
      problems.push(`${file} is missing`);
      continue;
    }
    if (!sameValue(w.value, got)) problems.push(`${file} holds ${got.trim()}, policy says ${w.value}`);
  }
  return problems;
}

/** Uids that have a ds01 parent cgroup on this host (the users whose caps a reload must re-apply). */
export function usersWithCgroups(root: string = CGROUP_ROOT): number[] {
  const layout = detectLayout(root);
  const dir = layout === 'v2' ? join(root, 'ds01') : join(root, 'pids', 'ds01');
  try {
    return readdirSync(dir)
      .map((n) => /^u(\d+)$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]));
  } catch {
    return [];
  }
}

/** Before a create or build: if `parent` is ds01's cgroupfs parent, make it exist with the user's caps. */
export function ensureCgroupParent(
  parent: string | null,
  uid: number,
  a: Readonly<AggregateLimits> | null,
  root: string = CGROUP_ROOT,
): void {
  if (parent !== userCgroupParent(uid)) return; // none, or a systemd slice (systemd creates it)
  applyUserCgroup(uid, a, root);
}
