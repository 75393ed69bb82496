// Wire types for /v1/system/*.

export interface WhoAmI {
  uid: number;
  gid: number;
  name: string;
  home: string;
  groups: string[];
  admin: boolean;
  /** The process that connected, as the kernel reported it. */
  pid: number;
}

export interface SystemStatus {
  version: string;
  apiVersion: 'v1';
  startedAt: string;
  uptimeSec: number;
  docker: { reachable: boolean; version: string | null; error: string | null };
  policy: {
    file: string;
    loadedAt: string | null;
    /** Set when the file on disk is invalid: the daemon keeps serving on the last good policy. */
    lastError: string | null;
    /** Set when the daemon started while the file was invalid: it runs on this saved copy. */
    runningOn: { path: string; savedAt: string } | null;
  };
  gpus: { total: number; slots: number; available: number; allocated: number; missing: number };
  containers: { total: number; running: number };
  database: { path: string; schemaVersion: number };
  /** The machine ds01d runs on; null when it could not be read. */
  host: HostResources | null;
}

/** The disk of a directory: the file system it lives on. */
export interface DiskUsage {
  path: string;
  /** Where that file system is mounted. */
  mount: string;
  sizeBytes: number;
  availableBytes: number;
  usedPct: number;
}

/** Host CPU, memory and the state directory's disk (the SQLite database lives there). */
export interface HostResources {
  cpu: { cores: number; loadPct: number };
  memory: { totalBytes: number; availableBytes: number; usedPct: number };
  /** null when no mounted file system holds the state directory (it could not be read). */
  stateDisk: DiskUsage | null;
}

export interface Health {
  ok: boolean;
}
