// The API socket's group (`socket_group`), looked up through NSS once at start-up (LDAP/SSSD groups work).
import { execFileSync } from 'node:child_process';

export function socketGroupOf(name: string | null | undefined): { gid: number } | null {
  if (!name) return null;
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' });
  return { gid: Number(line.split(':')[2]) };
}
