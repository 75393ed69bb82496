// MIG geometry per GPU model for the fake nvidia-smi: what `mig -lgip`/`-lgipp` print and what `-cgi`
// accepts. Written from the recordings (../shared/nvidia-smi/*-lgip*.txt), independently of ds01's own
// table (daemon/gpu/mig/models.ts), so a mistake in one is caught by the other.

// [name suffix, GI profile id, size (memory slices), starts, total, memory GiB, SMs]
function eightSlice(mem, gib, sm) {
  const [m1, m1x2, m2, m3, m7] = mem;
  const [g1, g1x2, g3, g7] = gib;
  return [
    { name: `1g.${m1}`, id: 19, size: 1, starts: [0, 1, 2, 3, 4, 5, 6], total: 7, gib: g1, sm: sm[0] },
    { name: `1g.${m1}+me`, id: 20, size: 1, starts: [0, 1, 2, 3, 4, 5, 6], total: 1, gib: g1, sm: sm[0] },
    { name: `1g.${m1x2}`, id: 15, size: 2, starts: [0, 2, 4, 6], total: 4, gib: g1x2, sm: sm[1] },
    { name: `2g.${m2}`, id: 14, size: 2, starts: [0, 2, 4], total: 3, gib: g1x2, sm: sm[2] },
    { name: `3g.${m3}`, id: 9, size: 4, starts: [0, 4], total: 2, gib: g3, sm: sm[3] },
    { name: `4g.${m3}`, id: 5, size: 4, starts: [0], total: 1, gib: g3, sm: sm[4] },
    { name: `7g.${m7}`, id: 0, size: 8, starts: [0], total: 1, gib: g7, sm: sm[5] },
  ];
}

const MODELS = [
  [
    /A100.*40\s?GB/i,
    eightSlice(['5gb', '10gb', '10gb', '20gb', '40gb'], [4.75, 9.75, 19.62, 39.5], [14, 14, 28, 42, 56, 98]),
  ],
  [
    /A100.*80\s?GB/i,
    eightSlice(['10gb', '20gb', '20gb', '40gb', '80gb'], [9.5, 19.5, 39.25, 79], [14, 14, 28, 42, 56, 98]),
  ],
  [
    /H100 NVL/i,
    eightSlice(
      ['12gb', '24gb', '24gb', '47gb', '94gb'],
      [10.75, 21.62, 46.38, 93.12],
      [16, 26, 32, 60, 64, 132],
    ),
  ],
  [
    /H100/i,
    eightSlice(
      ['10gb', '20gb', '20gb', '40gb', '80gb'],
      [9.75, 19.62, 39.5, 79.25],
      [16, 26, 32, 60, 64, 132],
    ),
  ],
  [
    /H200/i,
    eightSlice(
      ['18gb', '35gb', '35gb', '71gb', '141gb'],
      [16.5, 32.5, 69.75, 139.75],
      [16, 26, 32, 60, 64, 132],
    ),
  ],
  [
    /A30/i,
    [
      { name: '1g.6gb', id: 14, size: 1, starts: [0, 1, 2, 3], total: 4, gib: 5.81, sm: 14 },
      { name: '1g.6gb+me', id: 21, size: 1, starts: [0, 1, 2, 3], total: 1, gib: 5.81, sm: 14 },
      { name: '2g.12gb', id: 5, size: 2, starts: [0, 2], total: 2, gib: 11.69, sm: 28 },
      { name: '2g.12gb+me', id: 6, size: 2, starts: [0, 2], total: 1, gib: 11.69, sm: 28 },
      { name: '4g.24gb', id: 0, size: 4, starts: [0], total: 1, gib: 23.44, sm: 56 },
    ],
  ],
];

/** The GI profiles of a product name, or null (not MIG-capable as far as the fake knows). */
export function profilesOf(productName) {
  return MODELS.find(([re]) => re.test(productName))?.[1] ?? null;
}

/** Compute slices of a GI profile name (`3g.40gb` → 3). */
export function giSlices(name) {
  const m = /^(\d+)g\./.exec(name);
  return m ? Number(m[1]) : 1;
}

// CI profile id → compute slices (A100/H100 numbering: 0=1c 1=2c 2=3c 3=4c 4=7c; A30 uses 0-2 for 1c/2c/4c).
const CI_SLICES = { 0: 1, 1: 2, 2: 3, 3: 4, 4: 7 };
export function ciProfileIdFor(slices) {
  const id = Object.entries(CI_SLICES).find(([, s]) => s === slices)?.[0];
  return id === undefined ? 0 : Number(id);
}
export function ciSlicesOf(id) {
  return CI_SLICES[id] ?? null;
}
