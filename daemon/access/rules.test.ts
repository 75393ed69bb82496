import { describe, expect, it } from 'vitest';
import { allowedEnv, clampDim, decideForward, execCommand, safeTerm } from './rules.js';

describe('direct-tcpip targets', () => {
  it('allows only the container loopback names, mapped to an address', () => {
    expect(decideForward('localhost', 8888)).toEqual({ ok: true, host: '127.0.0.1', port: 8888 });
    expect(decideForward('127.0.0.1', 22)).toEqual({ ok: true, host: '127.0.0.1', port: 22 });
    expect(decideForward('::1', 80)).toEqual({ ok: true, host: '::1', port: 80 });
    expect(decideForward('LOCALHOST', 80).ok).toBe(true);
  });
  it('refuses other hosts, other loopback spellings and the host itself', () => {
    for (const h of [
      '10.0.0.5',
      '172.17.0.1',
      '0.0.0.0',
      '127.0.0.2',
      'example.org',
      'host.docker.internal',
      '',
    ])
      expect(decideForward(h, 80).ok, h).toBe(false);
  });
  it('refuses ports that are not TCP ports', () => {
    for (const p of [0, -1, 65536, 1.5]) expect(decideForward('localhost', p).ok).toBe(false);
  });
});

describe('session environment', () => {
  it('passes locale and terminal hints only', () => {
    expect(allowedEnv('LANG', 'C.UTF-8')).toBe(true);
    expect(allowedEnv('LC_ALL', 'C')).toBe(true);
    for (const k of ['PATH', 'LD_PRELOAD', 'HOME', 'USER', 'BASH_ENV', 'SHELL'])
      expect(allowedEnv(k, 'x')).toBe(false);
    expect(allowedEnv('LANG', 'x'.repeat(5000))).toBe(false);
  });
  it('sanitises TERM and window sizes', () => {
    expect(safeTerm('xterm-256color')).toBe('xterm-256color');
    expect(safeTerm('x; rm -rf /')).toBe('xterm');
    expect(safeTerm(undefined)).toBe('xterm');
    expect(clampDim(80)).toBe(80);
    expect(clampDim(-3)).toBe(0);
    expect(clampDim(1e9)).toBe(10_000);
  });
  it('hands the exec command to a shell as one argument', () => {
    const cmd = execCommand('echo "$HOME"; whoami');
    expect(cmd[0]).toBe('/bin/sh');
    expect(cmd.at(-1)).toBe('echo "$HOME"; whoami');
  });
});
