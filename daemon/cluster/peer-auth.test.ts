import { describe, expect, it } from 'vitest';
import { checkPeer, nodesFromSinfo, parseClusterNodes, parseUnmunge, peerPayload } from './peer-auth.js';

const unmunged = (payload: string, status = 'Success (0)', uid = 'alice (1001)') =>
  `STATUS:          ${status}\nENCODE_HOST:     n1 (127.0.0.1)\nTTL:             60\nUID:             ${uid}\nGID:             alice (1001)\nLENGTH:          ${payload.length}\n\n${payload}`;

describe('peer requests', () => {
  const req = { node: 'n2', method: 'GET' as const, path: '/v1/slurm/jobs/7/log?offset=0' };

  it('accepts a credential made for exactly this request to this node, with the uid munged wrote', () => {
    const u = parseUnmunge(unmunged(peerPayload(req)));
    expect(u).toMatchObject({ status: 0, uid: 1001, gid: 1001 });
    expect(checkPeer(u as never, req)).toEqual({ ok: true, uid: 1001, gid: 1001 });
  });

  it('reads numeric metadata too (unmunge -N)', () => {
    const u = parseUnmunge(`STATUS: 0\nUID: 0\nGID: 0\n\nx`);
    expect(u).toEqual({ status: 0, uid: 0, gid: 0, payload: 'x' });
  });

  it('refuses a credential for another node, path, query or method, and a failed status', () => {
    for (const other of [
      { ...req, node: 'n1' },
      { ...req, path: '/v1/slurm/jobs/8/log?offset=0' },
      { ...req, path: '/v1/slurm/jobs/7/log?offset=0&admin=1' },
      { ...req, path: '/v1/dashboard' },
    ]) {
      const u = parseUnmunge(unmunged(peerPayload(other)));
      expect(checkPeer(u as never, req).ok).toBe(false);
    }
    const replayed = parseUnmunge(unmunged(peerPayload(req), 'Replayed credential (17)'));
    expect(checkPeer(replayed as never, req)).toMatchObject({ ok: false, problem: /status 17/ });
  });

  it('refuses text that is not unmunge output', () => {
    expect(parseUnmunge('garbage')).toBeNull();
    expect(parseUnmunge('STATUS: x\nUID: 1\nGID: 1\n\np')).toBeNull();
  });

  it('reads the node list from the setting or from sinfo', () => {
    expect(parseClusterNodes('n1=127.0.0.1:4001,n2=[::1]:4002')).toEqual([
      { name: 'n1', host: '127.0.0.1', port: 4001 },
      { name: 'n2', host: '::1', port: 4002 },
    ]);
    expect(nodesFromSinfo('n1\nn2\nn1\n\nbad name\n')).toEqual([
      { name: 'n1', host: 'n1', port: 7788 },
      { name: 'n2', host: 'n2', port: 7788 },
    ]);
  });
});
