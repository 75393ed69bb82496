// Wire types for the admin-only routes under /v1/admin (users report, stop/retire with a reason).
import { z } from 'zod';

export interface UserReportRow {
  user: string;
  uid: number;
  group: string;
  containers: number;
  running: number;
  slots: number;
  gpuEquivalents: number;
  held: number;
  queued: number;
  /** The latest event the user acted in or was the subject of. */
  lastActivity: string | null;
  lastActivityKind: string | null;
  /** With `--inactive`: bytes in ~/workspace (du, as root); null when missing or not measured. */
  workspaceBytes?: number | null;
}

/** GET /v1/admin/users?inactive=90d: the accounts with no ds01 activity for that long (or ever). */
export const adminUsersQuery = z.strictObject({ inactive: z.string().max(32).optional() });

/** Why: the owner sees it in their events and notices. */
const reason = z.string().trim().min(1, 'say why (the owner sees it in their events and notices)').max(500);

/** POST /v1/admin/containers/:ref/stop */
export const adminStopRequest = z.strictObject({
  reason,
  force: z.boolean().optional(),
  /** Seconds between SIGTERM and SIGKILL. */
  timeout: z.number().int().min(0).max(3600).optional(),
});
export type AdminStopRequest = z.infer<typeof adminStopRequest>;

/** POST /v1/admin/containers/:ref/retire */
export const adminRetireRequest = z.strictObject({ reason, force: z.boolean().optional() });
export type AdminRetireRequest = z.infer<typeof adminRetireRequest>;

/** `POST /v1/admin/policy/check`: a policy's text, and the file name its diagnostics should carry. */
export const policyCheckRequest = z.strictObject({
  text: z.string().max(512 * 1024),
  file: z.string().max(4096).default('resource-limits.yaml'),
});
export type PolicyCheckRequest = z.input<typeof policyCheckRequest>;

/** `POST /v1/admin/policy/check` and `ds01d --check-config FILE --json`: the same answer either way. */
export interface PolicyCheck {
  ok: boolean;
  /** The diagnostics as file:line:col lines, ready to print. */
  text: string;
  diagnostics: { severity: string; line: number; column: number; message: string }[];
}
