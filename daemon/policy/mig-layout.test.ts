// gpu_allocation.layout: per GPU index or model; lists, `whole`, `mig: false`; a model's impossible layout is
// an error of the file (with the model's rule), an index's is left to plan time (the model is not known yet).
import { describe, expect, it } from 'vitest';
import { parsePolicy } from './load.js';

const NOW = new Date('2026-08-01T00:00:00Z');
const parse = (layout: string) =>
  parsePolicy(`gpu_allocation:\n  layout:\n${layout.replace(/^/gm, '    ')}\n`, 'p.yaml', { now: NOW });

describe('gpu_allocation.layout', () => {
  it('reads indices, models (any case), lists, whole and mig: false', () => {
    const r = parse(
      [
        '0: [3g.40gb, 2g.20gb, 1g.10gb, 1g.10gb]',
        '"1": whole',
        '2: { mig: false }',
        '3: false',
        'h100: [1g.10gb+me]',
        'A30: { profiles: [4g.24gb] }',
      ].join('\n'),
    );
    expect(r.ok, r.ok ? '' : JSON.stringify(r.errors)).toBe(true);
    if (!r.ok) return;
    expect(r.policy.gpuAllocation.layout).toEqual({
      byIndex: {
        0: { kind: 'mig', profiles: ['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb'] },
        1: { kind: 'whole' },
        2: { kind: 'off' },
        3: { kind: 'off' },
      },
      byModel: {
        H100: { kind: 'mig', profiles: ['1g.10gb+me'] },
        A30: { kind: 'mig', profiles: ['4g.24gb'] },
      },
    });
  });

  it('defaults to no layout: ds01 changes nothing', () => {
    const r = parsePolicy('defaults: {}\n', 'p.yaml', { now: NOW });
    expect(r.ok && r.policy.gpuAllocation.layout).toEqual({ byIndex: {}, byModel: {} });
  });

  it('refuses a model layout that breaks the model’s rules, naming file:line and the rule', () => {
    const r = parse('A100-80GB: [4g.40gb, 3g.40gb, 1g.10gb]');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatchObject({ line: 3, path: 'gpu_allocation.layout.A100-80GB' });
    expect(r.errors[0]?.message).toMatch(
      /not possible on the A100-80GB: .*needs 8 compute slices; the A100-80GB has 7/,
    );
  });

  it('refuses bad keys and values with what is expected', () => {
    const bad = (text: string) => {
      const r = parse(text);
      expect(r.ok, text).toBe(false);
      return r.ok ? '' : r.errors.map((e) => `${e.message} ${e.hint ?? ''} ${e.expected ?? ''}`).join('\n');
    };
    expect(bad('H10: [1g.10gb]')).toMatch(
      /"H10" is neither a GPU index nor a MIG model.*did you mean "H100"/,
    );
    expect(bad('64: whole')).toMatch(/GPU index 64 is out of range/);
    expect(bad('0: []')).toMatch(/an empty list leaves the GPU with no slot/);
    expect(bad('0: [3g-40gb]')).toMatch(/"3g-40gb" is not a MIG GPU-instance profile name/);
    expect(bad('0: [1c.3g.40gb]')).toMatch(/not a MIG GPU-instance profile name/);
    expect(bad('0: half')).toMatch(/"half" is not a MIG layout/);
    expect(bad('0: { mig: false, profiles: [1g.10gb] }')).toMatch(/mig: false cannot have profiles/);
    expect(bad('0: { migs: true }')).toMatch(/unknown key "migs"/);
    expect(bad('A30: [3g.40gb]')).toMatch(
      /"3g.40gb" is not a MIG profile of the A30; its profiles are 1g.6gb/,
    );
  });
});
