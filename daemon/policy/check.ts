// One answer to "is this policy text valid?", shared by the API (`POST /v1/admin/policy/check`) and the
// offline `ds01d --check-config FILE`, so both print the same file:line:col messages.
import type { PolicyCheck } from '../api/types/admin.js';
import { formatDiagnostics } from './diagnostics.js';
import type { ParseResult } from './types.js';

export function toPolicyCheck(r: ParseResult): PolicyCheck {
  const diagnostics = r.ok ? r.warnings : [...r.errors, ...r.warnings];
  return { ok: r.ok, diagnostics, text: formatDiagnostics(diagnostics) };
}
