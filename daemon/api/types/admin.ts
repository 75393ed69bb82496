// Wire types for the admin-only routes under /v1/admin (users report, stop/retire with a reason).

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
}

export interface AdminActionRequest {
  /** Why: the owner sees it in their events and notices. */
  reason: string;
  force?: boolean;
  /** stop only: seconds between SIGTERM and SIGKILL. */
  timeout?: number;
}

/** `POST /v1/admin/policy/check` and `ds01d --check-config FILE --json`: the same answer either way. */
export interface PolicyCheck {
  ok: boolean;
  /** The diagnostics as file:line:col lines, ready to print. */
  text: string;
  diagnostics: { severity: string; line: number; column: number; message: string }[];
}
