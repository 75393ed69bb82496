// What an SSH session into a container may do, decided without I/O: which forward targets are the
// container itself, which client environment variables pass, whether a login name is the caller's.
// Everything not allowed here is refused by the SSH server (and audited).

/** Names a client may use for "this container" in `ssh -L PORT:HOST:PORT`; anything else is refused. */
const LOOPBACK_V4 = new Set(['localhost', '127.0.0.1', 'localhost.localdomain', 'ip6-localhost']);
const LOOPBACK_V6 = new Set(['::1', '[::1]', '0:0:0:0:0:0:0:1']);

export type ForwardDecision =
  | { ok: true; host: '127.0.0.1' | '::1'; port: number }
  | { ok: false; why: string };

/**
 * A `direct-tcpip` target: only the container's own loopback, on a real port. The connection is then
 * made inside the container's network namespace, so 127.0.0.1 there is the container, never the host.
 */
export function decideForward(host: string, port: number): ForwardDecision {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return { ok: false, why: `port ${port} is not a TCP port` };
  const h = host.trim().toLowerCase();
  if (LOOPBACK_V4.has(h)) return { ok: true, host: '127.0.0.1', port };
  if (LOOPBACK_V6.has(h)) return { ok: true, host: '::1', port };
  return {
    ok: false,
    why: `forwarding reaches only the container's own ports (localhost:PORT), not ${host}`,
  };
}

/**
 * Client `env` requests that pass into Docker exec: locale, time zone and terminal hints. Everything
 * else (PATH, LD_*, HOME, USER, …) is ignored so the session's identity and search paths stay the
 * daemon's.
 */
export function allowedEnv(key: string, value: string): boolean {
  if (value.length > 4096 || value.includes('\0')) return false;
  return /^(LANG|LANGUAGE|LC_[A-Z]+|TZ|COLORTERM|TERM_PROGRAM|TERM_PROGRAM_VERSION)$/.test(key);
}

/** A terminal type that is safe to pass on (the pty's TERM). */
export function safeTerm(term: string | undefined): string {
  return term && /^[A-Za-z0-9._+-]{1,64}$/.test(term) ? term : 'xterm';
}

/** Window sizes from the client, clamped to sane values (0 = unknown). */
export function clampDim(n: unknown): number {
  return Number.isInteger(n) && (n as number) > 0 ? Math.min(n as number, 10_000) : 0;
}

/**
 * The command an `exec` request runs: the user's words go to a shell as one argument (like sshd's
 * `$SHELL -c`), bash when the image has it.
 */
export function execCommand(command: string): string[] {
  return [
    '/bin/sh',
    '-c',
    'if [ -x /bin/bash ]; then exec /bin/bash -c "$1"; fi; exec /bin/sh -c "$1"',
    'ds01-ssh',
    command,
  ];
}

export const LOGIN_SHELL = [
  '/bin/sh',
  '-c',
  'if [ -x /bin/bash ]; then exec /bin/bash -l; else exec /bin/sh -l; fi',
];
