// Wire types for /v1/limits: a user's effective limits, where each comes from, and current use.

export interface LimitLine {
  key: string; // YAML name, e.g. max_mig_instances
  value: number | boolean | null; // raw: ms for durations, bytes for sizes, null = unlimited/never
  display: string; // human: "2h", "32 GiB", "unlimited"
  source: string; // defaults | groups.<g> | user_overrides.<u> | exemption until <date>
  /** The line of the policy file in force the value was read from; null for a built-in default. */
  line: number | null;
}

export interface UsageLine {
  key: string;
  used: number;
  max: number | null;
}

export interface LimitsReport {
  user: string;
  uid: number;
  group: string;
  groupVia: string;
  limits: LimitLine[];
  usage: UsageLine[];
  lifecycle: { key: string; display: string }[];
  exemptions: { keys: string; expires: string; reason: string }[];
  queue: { position: number; id: number }[];
  /** Caps on the sum of all the user's containers (groups.<g>.aggregate); enforced only when the policy turns them on. */
  aggregate: { enforced: boolean; caps: { key: string; display: string }[] };
  /** Storage quotas (storage_workspace, storage_images): the last measured use; `ds01 quota` has the detail. */
  storage?: { key: string; usedBytes: number | null; hardBytes: number | null; measuredAt: string | null }[];
}
