// Asking another node's ds01d (docs/cluster.md, "Between nodes"): plain HTTP to the node's
// `cluster_listen`, one munge credential per request, made as the user on whose behalf ds01d asks (so the
// node sees that uid from munged, not from us). Which nodes there are: `cluster_nodes`, else sinfo.
import http from 'node:http';
import { isErrorCode } from '../../api/types/errors.js';
import {
  nodesFromSinfo,
  PEER_HEADER,
  type PeerAddress,
  parseClusterNodes,
  peerPayload,
} from '../../cluster/peer-auth.js';
import { Ds01Error } from '../../errors.js';
import type { Caller } from '../../identity/caller.js';
import type { Munge } from '../../slurm/munge.js';
import type { SlurmPrograms } from '../../slurm/programs.js';

export interface ClusterPeersDeps {
  /** `cluster_nodes` (null: ask sinfo). */
  configured: string | null;
  slurm: Pick<SlurmPrograms, 'run'>;
  munge: Munge;
  clock: { now(): number };
}

const MAX_REPLY_BYTES = 4 * 1024 * 1024;
const NODES_TTL_MS = 60_000;
export const PEER_TIMEOUT_MS = 5_000;

export class ClusterPeers {
  private cached: { at: number; nodes: PeerAddress[] } | null = null;

  constructor(private readonly d: ClusterPeersDeps) {}

  async nodes(): Promise<PeerAddress[]> {
    if (this.d.configured) return parseClusterNodes(this.d.configured);
    const now = this.d.clock.now();
    if (this.cached && now - this.cached.at < NODES_TTL_MS) return this.cached.nodes;
    const r = await this.d.slurm.run('sinfo', ['-h', '-N', '-o', '%N']);
    if (r.code !== 0)
      throw new Ds01Error(
        'UNAVAILABLE',
        `sinfo could not list the nodes: ${r.stderr.trim() || `exit ${r.code}`}`,
        'set cluster_nodes in ds01d.yaml, or check slurmctld',
      );
    this.cached = { at: now, nodes: nodesFromSinfo(r.stdout) };
    return this.cached.nodes;
  }

  /** GET `path` (with its query) from `node`'s ds01d, as `who`; the node's own errors come back as they were. */
  async get<T>(node: string, who: Caller, path: string, timeoutMs = PEER_TIMEOUT_MS): Promise<T> {
    const addr = (await this.nodes()).find((n) => n.name === node);
    if (!addr)
      throw new Ds01Error(
        'UNAVAILABLE',
        `node ${node} is not in this node's list of ds01d nodes`,
        'an admin adds it to cluster_nodes in ds01d.yaml',
      );
    const cred = await this.d.munge
      .encode(who, peerPayload({ node, method: 'GET', path }))
      .catch((err: Error) => {
        throw new Ds01Error('UNAVAILABLE', `munge could not sign the request for ${node}: ${err.message}`);
      });
    const { status, body } = await request(addr, path, cred, timeoutMs).catch((err: Error) => {
      throw new Ds01Error('UNAVAILABLE', `node ${node} unreachable: ${err.message}`, 'try again later');
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new Ds01Error('UNAVAILABLE', `node ${node} answered with something other than JSON (${status})`);
    }
    if (status >= 200 && status < 300) return parsed as T;
    const e = (parsed as { error?: { code?: unknown; message?: unknown; hint?: unknown } }).error;
    const code = isErrorCode(e?.code) ? e.code : 'UNAVAILABLE';
    throw new Ds01Error(
      code,
      `${node}: ${typeof e?.message === 'string' ? e.message : `HTTP ${status}`}`,
      typeof e?.hint === 'string' ? e.hint : undefined,
    );
  }
}

function request(
  addr: PeerAddress,
  path: string,
  cred: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: addr.host,
        port: addr.port,
        path,
        headers: { [PEER_HEADER]: cred, connection: 'close' },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES) {
            req.destroy(new Error(`reply over ${MAX_REPLY_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code ?? err.message)));
  });
}
