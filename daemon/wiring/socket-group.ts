// Where the API socket comes from: systemd's socket activation, or one ds01d makes with the group
// `socket_group` (looked up through NSS once at start-up, so LDAP/SSSD groups work).
import { execFileSync } from 'node:child_process';

export function socketGroupOf(name: string | null | undefined): { gid: number } | null {
  if (!name) return null;
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' });
  return { gid: Number(line.split(':')[2]) };
}

/** systemd socket activation: our listening socket is fd 3 when LISTEN_PID is us. */
export function activationFd(): number | undefined {
  if (Number(process.env.LISTEN_PID) !== process.pid) return undefined;
  return Number(process.env.LISTEN_FDS) >= 1 ? 3 : undefined;
}
