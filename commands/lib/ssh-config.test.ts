import { describe, expect, it } from 'vitest';
import { knownHostsLine, mergeSshConfig, sshBlock } from './ssh-config.js';

const base = { name: 'thesis', user: 'alice', ds01: 'ds01', fingerprint: 'SHA256:abc' };

describe('ssh-config blocks', () => {
  it('hops through the server when one is named', () => {
    const b = sshBlock({ ...base, server: 'gpu1.uni.edu' });
    expect(b).toContain('Host thesis.ds01\n');
    expect(b).toContain('  User alice\n');
    expect(b).toContain(
      '  ProxyCommand ssh -T -o ClearAllForwardings=yes gpu1.uni.edu ds01 ssh-proxy thesis\n',
    );
    expect(b).toContain('  HostKeyAlias thesis.ds01\n');
    expect(b).toContain('  RemoteCommand none\n');
  });
  it('runs ds01 locally without a server, quoting odd paths', () => {
    const b = sshBlock({ ...base, server: null, ds01: '/opt/my ds01/bin/ds01' });
    expect(b).toContain("  ProxyCommand '/opt/my ds01/bin/ds01' ssh-proxy thesis\n");
  });
  it('merges: replaces its own block, keeps the rest, appends new ones', () => {
    const mine = sshBlock({ ...base, server: 's1' });
    const user = 'Host work\n  HostName work.example\n';
    const first = mergeSshConfig(user, [{ name: 'thesis', text: mine }]);
    expect(first.startsWith(user)).toBe(true);
    expect(first).toContain(mine);
    const again = mergeSshConfig(first, [{ name: 'thesis', text: sshBlock({ ...base, server: 's2' }) }]);
    expect(again).toContain('s2 ds01 ssh-proxy');
    expect(again).not.toContain('s1 ds01 ssh-proxy');
    expect(again.match(/Host thesis\.ds01/g)).toHaveLength(1);
    expect(again).toContain('Host work\n');
    const two = mergeSshConfig(again, [
      { name: 'other', text: sshBlock({ ...base, name: 'other', server: 's2' }) },
    ]);
    expect(two.match(/^Host /gm)).toHaveLength(3);
    expect(mergeSshConfig('', [{ name: 'x', text: 'X' }])).toBe('X\n');
  });
  it('writes known_hosts lines under the alias', () => {
    expect(knownHostsLine('thesis', 'ssh-ed25519 AAAA')).toBe('thesis.ds01 ssh-ed25519 AAAA');
  });
});
