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
}

export interface Health {
  ok: boolean;
}
