// One rule for what a slot is doing, shared by the dashboard and /metrics so their numbers agree.
import type { DashboardSlotState } from '../api/types/dashboard.js';

export const SLOT_STATES: readonly DashboardSlotState[] = ['free', 'allocated', 'held', 'drained', 'missing'];

/**
 * Missing wins (the hardware is gone, whatever the bookkeeping says); then a live claim (a drained slot
 * still held by someone counts as theirs until released); then drained; else free.
 */
export function slotDisplayState(
  slotState: 'available' | 'drained' | 'missing',
  claim: 'active' | 'held' | 'reserved' | null | undefined,
): DashboardSlotState {
  if (slotState === 'missing') return 'missing';
  if (claim === 'held') return 'held';
  if (claim) return 'allocated';
  return slotState === 'drained' ? 'drained' : 'free';
}

export function countStates(states: readonly DashboardSlotState[]): Record<DashboardSlotState, number> {
  const out = { free: 0, allocated: 0, held: 0, drained: 0, missing: 0 };
  for (const s of states) out[s]++;
  return out;
}
