// The container an SSH connection is bound to, resolved and authorised before any SSH byte is spoken.
export interface AccessTarget {
  containerId: string;
  project: string;
  ownerUid: number;
  ownerGid: number;
  ownerName: string;
  /** Docker exec's User: always the owner's uid (and gid when the container was created with it). */
  execUser: string;
  home: string;
  /** The container's init process on the host (its namespaces are entered for forwards and files). */
  pid: number;
}
