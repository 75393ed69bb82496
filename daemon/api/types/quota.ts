// Wire types for /v1/quota: a user's workspace and image storage against their quotas (issue 21).

export interface StorageLine {
  kind: 'workspace' | 'images';
  /** Last measured bytes; null = not measured yet. */
  usedBytes: number | null;
  /** Where the warning starts (hard × soft_limit_threshold); null = no quota. */
  softBytes: number | null;
  hardBytes: number | null;
  /** null = no quota or not measured. */
  level: 'ok' | 'soft' | 'hard' | null;
  /** ISO time of the measurement; null = never. */
  measuredAt: string | null;
  /** Largest top-level entries of ~/workspace, or the user's largest images (bytes each adds), largest first. */
  largest: { name: string; bytes: number }[];
}

export interface QuotaReport {
  user: string;
  uid: number;
  /** policies.enforce_storage_quotas: false = measured and warned only. */
  enforced: boolean;
  /** policies.soft_limit_threshold (0.8 = warn at 80%). */
  threshold: number;
  workspace: StorageLine;
  images: StorageLine;
}
