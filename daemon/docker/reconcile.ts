// Pure: compare what the store believes with what Docker has, and say what must change.
import type { ContainerRow } from '../store/containers.js';
import type { DockerContainer } from './client.js';
import { LABELS, type Ownership, ownershipFromLabels } from './labels.js';

export type ReconcileAction =
  | { kind: 'adopt'; container: DockerContainer; owner: Ownership }
  | { kind: 'vanished'; id: string; name: string; ownerUid: number }
  /** Recorded as removed, yet Docker still has it (its removal never finished): finish it. */
  | { kind: 'leftover'; id: string; name: string }
  | { kind: 'state'; id: string; from: string; to: string };

const RUNNING_LIKE = new Set(['running', 'restarting', 'paused']);

/** Docker's states, folded to the ones ds01 tracks. */
export function normaliseState(s: string): string {
  return s === 'removing' ? 'exited' : s;
}

/**
 * `trusted` says whether ds01 made a container the store does not know (its label signature verifies):
 * labels anyone can write never make a container someone's (docker/label-signature.ts).
 */
export function planReconcile(
  live: ContainerRow[],
  docker: DockerContainer[],
  opts: {
    trusted: (d: DockerContainer) => boolean;
    scope?: Set<string>;
    /** The store recorded this id as removed (never adopt it again: its row exists). */
    removed?: (id: string) => boolean;
  },
): ReconcileAction[] {
  const { scope } = opts;
  const actions: ReconcileAction[] = [];
  const byId = new Map(docker.map((d) => [d.id, d]));
  for (const row of live) {
    if (scope && !scope.has(row.id)) continue;
    const d = byId.get(row.id);
    if (!d) {
      actions.push({ kind: 'vanished', id: row.id, name: row.name, ownerUid: row.owner_uid });
      continue;
    }
    const to = normaliseState(d.state);
    if (to !== row.state) actions.push({ kind: 'state', id: row.id, from: row.state, to });
  }
  const known = new Set(live.map((r) => r.id));
  for (const d of docker) {
    if (known.has(d.id) || (scope && !scope.has(d.id))) continue;
    if (opts.removed?.(d.id)) {
      actions.push({ kind: 'leftover', id: d.id, name: d.name });
      continue;
    }
    const owner = ownershipFromLabels(d.labels, d.name);
    if (owner && opts.trusted(d)) actions.push({ kind: 'adopt', container: d, owner });
  }
  return actions;
}

export const isRunningLike = (state: string) => RUNNING_LIKE.has(state);

/**
 * What a state change means for the GPUs. `created` → `exited`/`dead` counts as stopped: a half-made
 * container whose remove was cut short (dockerd restarting) is `removing`/`dead` without ever running, and
 * its allocation must move on to hold/release like any stopped one's (the chaos run found it left active).
 */
export function runChange(from: string, to: string): 'started' | 'stopped' | null {
  if (isRunningLike(to) && !isRunningLike(from)) return 'started';
  if (!isRunningLike(to) && to !== 'created' && (isRunningLike(from) || from === 'created')) return 'stopped';
  return null;
}

/**
 * Deploys the previous ds01d died in the middle of: containers ds01 made for a deploy (ds01.deploy) that
 * Docker and the store both still call `created`. Their deploy request died with that process, so the
 * caller saw it fail; left alone they would hold a GPU until the never-started timeout. Only rows recorded
 * before this process started (`processStart`): a deploy of this process may be between create and start.
 */
export function interruptedDeploys(
  live: ContainerRow[],
  docker: DockerContainer[],
  processStart: number,
): ContainerRow[] {
  const byId = new Map(docker.map((d) => [d.id, d]));
  return live.filter((row) => {
    const d = byId.get(row.id);
    return (
      row.state === 'created' &&
      row.created_at < processStart &&
      d?.state === 'created' &&
      d.labels[LABELS.deploy] === 'true'
    );
  });
}

/**
 * Live rows whose container Docker reports stopped (exited/dead). Their GPUs must be held or released, not
 * active: a ds01d killed between a start's GPU reclaim and Docker's answer, or a stop Docker did while no
 * ds01d listened, leaves them active (the second full chaos run found one after dockerd-restart + kill 62).
 */
export function stoppedInDocker(live: ContainerRow[], docker: DockerContainer[]): ContainerRow[] {
  const byId = new Map(docker.map((d) => [d.id, d]));
  return live.filter((row) => {
    const d = byId.get(row.id);
    if (!d) return false;
    const state = normaliseState(d.state);
    return !isRunningLike(state) && state !== 'created';
  });
}
