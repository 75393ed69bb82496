// Wire types for GET /v1/admin/doctor (and the client-side checks `ds01 doctor` adds).

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it (warn/fail). */
  hint?: string;
}

export interface DoctorReport {
  daemonVersion: string;
  checks: DoctorCheck[];
  worst: CheckStatus;
}
