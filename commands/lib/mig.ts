// Client calls for /v1/admin/mig.
import type {
  MigApplyRequest,
  MigApplyResult,
  MigCancelRequest,
  MigPlanView,
  MigStatusView,
} from '../../daemon/api/types/index.js';
import type { Client } from './client.js';

export const migPlan = (c: Client) => c.request<MigPlanView>('/admin/mig/plan');
export const migStatus = (c: Client) => c.request<MigStatusView>('/admin/mig/status');
export const migApply = (c: Client, body: MigApplyRequest) =>
  c.request<MigApplyResult>('/admin/mig/apply', { body });
export const migCancel = (c: Client, body: MigCancelRequest) =>
  c.request<MigStatusView>('/admin/mig/cancel', { body });
