import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confirm, input, multiselect, select, UsageError } from '../lib/prompts.js';
import { addAuthorizedKey, checkPublicKey, gpuRoom } from './user-setup.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq2t4Vq0Gb1Ww9wY5a0m1nQh9mJw5l3dT7rZ1bQy8xR me@laptop';

describe('checkPublicKey', () => {
  it('accepts public key lines and refuses private keys and junk', () => {
    expect(checkPublicKey(KEY)).toBe(true);
    expect(checkPublicKey('ecdsa-sha2-nistp256 AAAAE2VjZHNh=')).toBe(true);
    expect(checkPublicKey('-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn')).toMatch(/PRIVATE key/);
    expect(checkPublicKey('ssh-ed25519')).toMatch(/not an SSH public key/);
    expect(checkPublicKey('ssh-ed25519 AAAA\ncommand="sh" ssh-rsa AAAA')).toMatch(/not an SSH public key/);
  });
});

describe('addAuthorizedKey', () => {
  it('creates ~/.ssh (0700) and authorized_keys (0600), once per key', () => {
    const home = mkdtempSync(join(tmpdir(), 'ds01-home-'));
    try {
      expect(addAuthorizedKey(home, KEY)).toBe('added');
      expect(addAuthorizedKey(home, `${KEY.replace('me@laptop', 'other comment')}`)).toBe('present');
      expect(readFileSync(join(home, '.ssh/authorized_keys'), 'utf8')).toBe(`${KEY}\n`);
      expect(statSync(join(home, '.ssh')).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, '.ssh/authorized_keys')).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
  it('appends after an existing file without a final newline', () => {
    const home = mkdtempSync(join(tmpdir(), 'ds01-home-'));
    try {
      mkdirSync(join(home, '.ssh'));
      writeFileSync(join(home, '.ssh/authorized_keys'), 'ssh-rsa AAAAB3 old');
      addAuthorizedKey(home, KEY);
      expect(readFileSync(join(home, '.ssh/authorized_keys'), 'utf8')).toBe(`ssh-rsa AAAAB3 old\n${KEY}\n`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('prompts without a terminal', () => {
  it('use the given default, or fail with a usage error naming the flag', async () => {
    expect(process.stdin.isTTY).toBeFalsy();
    await expect(
      select('Base', [{ value: 'a', label: 'A' }], { default: 'a', flags: '--base' }),
    ).resolves.toBe('a');
    await expect(multiselect('Uses', [], { default: ['cv'], flags: '--use-case' })).resolves.toEqual(['cv']);
    await expect(input('Name', { default: 'x', flags: '--name' })).resolves.toBe('x');
    await expect(confirm('Build?', { default: true, flags: '--yes' })).resolves.toBe(true);
    await expect(select('Base', [], { flags: 'pass --base NAME' })).rejects.toThrow(
      /no terminal to ask on; pass --base NAME/,
    );
    await expect(input('Name', { flags: '--name' })).rejects.toBeInstanceOf(UsageError);
    await expect(
      input('Name', {
        default: 'Bad Name',
        flags: '--name',
        validate: (v) => /^[a-z]+$/.test(v) || 'lower case only',
      }),
    ).rejects.toThrow(/lower case only/);
  });
});

describe('gpuRoom: what the limits allow on this server', () => {
  it('names what a GPU-equivalents cap allows, not the max_mig_instances it undercuts', () => {
    const g = (profile: string, atOnce: number | null, binding: string | null) =>
      ({ profile, forYou: { canGet: 0, atOnce, binding } }) as never;
    const lines = gpuRoom({
      profiles: [
        g('1g.10gb', 2, null),
        g('2g.20gb', 1, 'max_gpu_equivalents 0.3 (you hold 0; one is 0.286)'),
        g('full', 0, 'allow_full_gpu: no (whole GPUs are not for you)'),
      ],
      queued: 0,
      you: { canGetNow: 2, slotsLeft: 2, gpuEquivalentsLeft: 0.3, allowFullGpu: false, binding: null },
    });
    expect(lines[0]).toMatch(/GPU slots at once\s+2× 1g\.10gb or 1× 2g\.20gb$/);
    expect(lines[1]).toMatch(/max_gpu_equivalents 0\.3 .*; allow_full_gpu: no/);
    expect(lines[2]).toMatch(/free for you now\s+2 slot\(s\)/);
  });
});
