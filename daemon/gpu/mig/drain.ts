// The drain reason a MIG change writes on its GPU's slots. Undraining lifts only slots carrying it, so a slot
// an admin drained for another reason stays drained after the change.
export function migDrainReason(changeId: number): string {
  return `MIG reconfiguration #${changeId}`;
}
