// PURE: may a new container's passwd/group/home be written straight into its overlay2 upper layer
// (workspace/upper-layer.ts, run by the workspace helper) instead of Docker's archive put? Only on the
// classic overlay2 graph driver of a local dockerd, without user-namespace remapping (the files would need
// remapped owners) and without the containerd image store (its snapshots are not GraphDriver layers), for a
// container that never ran. Everything else takes the archive put, which works everywhere.

/** What `docker info` says about storage. */
export interface StorageFacts {
  driver: string | null;
  rootDir: string | null;
  userns: boolean;
  snapshotter: boolean;
}

export function storageFacts(info: {
  Driver?: string;
  DockerRootDir?: string;
  SecurityOptions?: string[];
  DriverStatus?: [string, string][];
}): StorageFacts {
  return {
    driver: info.Driver ?? null,
    rootDir: info.DockerRootDir ?? null,
    userns: (info.SecurityOptions ?? []).some((o) => /(^|,)name=userns(,|$)/.test(o)),
    snapshotter: (info.DriverStatus ?? []).some(
      ([k, v]) => k === 'driver-type' && /snapshotter/.test(String(v)),
    ),
  };
}

/** What `docker inspect` says about one container's file system. */
export interface ContainerLayer {
  status: string;
  driver: string;
  upperDir: string | null;
  lowerDir: string | null;
  workingDir: string;
}

export type UpperLayerTarget =
  | { ok: true; rootDir: string; upperDir: string; lowerDirs: string[]; workingDir: string }
  | { ok: false; why: string };

export function upperLayerTarget(host: StorageFacts, c: ContainerLayer): UpperLayerTarget {
  if (host.driver !== 'overlay2' || c.driver !== 'overlay2')
    return { ok: false, why: `storage driver ${c.driver || host.driver || 'unknown'}, not overlay2` };
  if (host.snapshotter) return { ok: false, why: 'the containerd image store' };
  if (host.userns) return { ok: false, why: 'user-namespace remapping' };
  if (!host.rootDir?.startsWith('/')) return { ok: false, why: 'no local data root' };
  if (c.status !== 'created') return { ok: false, why: `the container is ${c.status}, not fresh` };
  if (!c.upperDir || !c.lowerDir) return { ok: false, why: 'no upper/lower layer in inspect' };
  return {
    ok: true,
    rootDir: host.rootDir,
    upperDir: c.upperDir,
    lowerDirs: c.lowerDir.split(':'),
    workingDir: c.workingDir,
  };
}
