// The MIG geometry of each GPU model ds01 can reconfigure (pure data). A GPU instance (GI) profile takes
// `size` consecutive memory slices starting at one of its `starts`; instances may not overlap. Numbers are
// NVIDIA's (MIG User Guide "Supported MIG Profiles", and the `nvidia-smi mig -lgip`/`-lgipp` recordings in
// ../shared/nvidia-smi). When the driver answers `-lgip`/`-lgipp`, its table replaces this one
// (lgip.ts: modelFromDriver).

export interface MigProfileSpec {
  /** GI profile name as nvidia-smi prints it, without `MIG ` (e.g. `3g.40gb`, `1g.10gb+me`). */
  name: string;
  /** The GI profile id `nvidia-smi mig -cgi` takes. */
  id: number;
  /** Compute slices (the `Ng` of the name). */
  computeSlices: number;
  /** Memory slices it occupies (the placement size). */
  size: number;
  /** Memory-slice positions an instance may start at. */
  starts: number[];
  /** How many instances of this profile one GPU can hold at most (`Instances Total` of -lgip). */
  maxInstances: number;
}

export interface MigModel {
  /** The name a policy uses for the model (`gpu_allocation.layout.H100`). */
  id: string;
  /** Memory slices of the whole GPU (8 on A100/H100/H200, 4 on A30). */
  memorySlices: number;
  /** Compute slices of the whole GPU. */
  computeSlices: number;
  profiles: MigProfileSpec[];
}

const eight = (mem: [string, string, string, string, string]): MigProfileSpec[] => {
  const [m1, m1x2, m2, m3, m7] = mem;
  return [
    { name: `1g.${m1}`, id: 19, computeSlices: 1, size: 1, starts: [0, 1, 2, 3, 4, 5, 6], maxInstances: 7 },
    {
      name: `1g.${m1}+me`,
      id: 20,
      computeSlices: 1,
      size: 1,
      starts: [0, 1, 2, 3, 4, 5, 6],
      maxInstances: 1,
    },
    { name: `1g.${m1x2}`, id: 15, computeSlices: 1, size: 2, starts: [0, 2, 4, 6], maxInstances: 4 },
    { name: `2g.${m2}`, id: 14, computeSlices: 2, size: 2, starts: [0, 2, 4], maxInstances: 3 },
    { name: `3g.${m3}`, id: 9, computeSlices: 3, size: 4, starts: [0, 4], maxInstances: 2 },
    { name: `4g.${m3}`, id: 5, computeSlices: 4, size: 4, starts: [0], maxInstances: 1 },
    { name: `7g.${m7}`, id: 0, computeSlices: 7, size: 8, starts: [0], maxInstances: 1 },
  ];
};

/** Built-in models, most specific first (matched against the product name by `modelOf`). */
export const MIG_MODELS: readonly { match: RegExp; model: MigModel }[] = [
  {
    match: /\bA100\b.*\b40\s?GB\b/i,
    model: {
      id: 'A100-40GB',
      memorySlices: 8,
      computeSlices: 7,
      profiles: eight(['5gb', '10gb', '10gb', '20gb', '40gb']),
    },
  },
  {
    match: /\bA100\b.*\b80\s?GB\b/i,
    model: {
      id: 'A100-80GB',
      memorySlices: 8,
      computeSlices: 7,
      profiles: eight(['10gb', '20gb', '20gb', '40gb', '80gb']),
    },
  },
  {
    match: /\bH100 NVL\b/i,
    model: {
      id: 'H100-NVL',
      memorySlices: 8,
      computeSlices: 7,
      profiles: eight(['12gb', '24gb', '24gb', '47gb', '94gb']),
    },
  },
  {
    match: /\bH100\b/i,
    model: {
      id: 'H100',
      memorySlices: 8,
      computeSlices: 7,
      profiles: eight(['10gb', '20gb', '20gb', '40gb', '80gb']),
    },
  },
  {
    match: /\bH200\b/i,
    model: {
      id: 'H200',
      memorySlices: 8,
      computeSlices: 7,
      profiles: eight(['18gb', '35gb', '35gb', '71gb', '141gb']),
    },
  },
  {
    match: /\bA30\b/i,
    model: {
      id: 'A30',
      memorySlices: 4,
      computeSlices: 4,
      profiles: [
        { name: '1g.6gb', id: 14, computeSlices: 1, size: 1, starts: [0, 1, 2, 3], maxInstances: 4 },
        { name: '1g.6gb+me', id: 21, computeSlices: 1, size: 1, starts: [0, 1, 2, 3], maxInstances: 1 },
        { name: '2g.12gb', id: 5, computeSlices: 2, size: 2, starts: [0, 2], maxInstances: 2 },
        { name: '2g.12gb+me', id: 6, computeSlices: 2, size: 2, starts: [0, 2], maxInstances: 1 },
        { name: '4g.24gb', id: 0, computeSlices: 4, size: 4, starts: [0], maxInstances: 1 },
      ],
    },
  },
];

export const MODEL_IDS: readonly string[] = MIG_MODELS.map((m) => m.model.id);

/** The built-in model of a product name (`NVIDIA A100-SXM4-80GB`), or null for GPUs ds01 cannot partition. */
export function modelOf(productName: string): MigModel | null {
  return MIG_MODELS.find((m) => m.match.test(productName))?.model ?? null;
}

/** A model by the id a policy names it with (case-insensitive). */
export function modelById(id: string): MigModel | null {
  const want = id.toLowerCase();
  return MIG_MODELS.find((m) => m.model.id.toLowerCase() === want)?.model ?? null;
}

/** The profile that spans the whole GPU (`7g.80gb`): what `whole` means in a layout. */
export function wholeProfile(model: MigModel): MigProfileSpec {
  return model.profiles.reduce((a, b) => (b.size > a.size ? b : a));
}
