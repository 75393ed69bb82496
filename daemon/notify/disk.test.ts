import { describe, expect, it } from 'vitest';
import { diskAlert } from './disk.js';

describe('diskAlert', () => {
  it('alerts once on crossing 90%, re-arms only under 85%', () => {
    let alerted = false;
    const seen: boolean[] = [];
    for (const pct of [50, 91, 95, 89, 92, 80, 93]) {
      const r = diskAlert(pct, alerted);
      alerted = r.alerted;
      seen.push(r.alert);
    }
    expect(seen).toEqual([false, true, false, false, false, false, true]);
  });
});
