// Wire types of access into containers: SSH (an Upgrade on /v1/containers/:ref/ssh carrying the SSH
// protocol itself), the container's host key for laptops' known_hosts, listening ports, and JupyterLab.

/** The Upgrade token of the SSH stream. */
export const SSH_UPGRADE_PROTOCOL = 'ssh';

export interface SshHostKey {
  container: string;
  /** `NAME.ds01`: the host name the generated ssh config uses (and known_hosts keys on). */
  alias: string;
  /** The caller's login name (the only one the SSH server accepts). */
  user: string;
  /** `ssh-ed25519 AAAA…` */
  publicKey: string;
  /** `SHA256:…` */
  fingerprint: string;
}

export interface PortsResult {
  container: string;
  ports: { port: number; address: string }[];
}

export interface JupyterRequest {
  port?: number;
}

export interface JupyterResult {
  container: string;
  port: number;
  token: string;
  /** The URL to open on the laptop once the port is forwarded. */
  url: string;
  /** Whether this call started it (false: it was already listening on the port, started by ds01). */
  started: boolean;
}
