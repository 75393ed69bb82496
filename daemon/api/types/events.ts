// Wire types for /v1/events: the append-only audit log.

export interface AuditEvent {
  id: number;
  ts: string; // ISO time
  actor: string; // user name, or 'ds01d' for automatic actions
  actorUid: number | null;
  subjectUid: number | null;
  containerId: string | null;
  containerName: string | null;
  kind: string;
  reason: string | null;
  data: Record<string, unknown> | null;
}

export interface EventQuery {
  user?: string;
  container?: string;
  kind?: string;
  since?: string;
  until?: string;
  limit?: number;
  follow?: boolean;
}
