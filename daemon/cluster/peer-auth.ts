// Pure: the requests one node's ds01d makes to another's (docs/cluster.md, "Between nodes"). Each carries
// a munge credential made AS THE USER who asked (munged writes the uid; nobody can choose it), whose
// payload names the target node, the method and the exact path with its query. The receiving node takes
// the uid from its own munged, checks the payload against the request it got, and resolves that uid
// with its own NSS and policy: it trusts no other node's word about who is asking, or whether they are
// an admin. munged refuses a credential decoded twice (replay) or older than its TTL.

export const PEER_HEADER = 'x-ds01-munge';
const MARK = 'ds01-peer/1';

export interface PeerRequest {
  node: string;
  method: 'GET';
  /** The path with its query, exactly as sent. */
  path: string;
}

export function peerPayload(r: PeerRequest): string {
  return `${MARK} ${r.node} ${r.method} ${r.path}`;
}

/** What unmunge printed (metadata, a blank line, the payload), as numbers (`unmunge -N`). */
export interface Unmunged {
  status: number;
  uid: number;
  gid: number;
  payload: string;
}

export function parseUnmunge(text: string): Unmunged | null {
  const blank = text.indexOf('\n\n');
  if (blank < 0) return null;
  const meta: Record<string, string> = {};
  for (const line of text.slice(0, blank).split('\n')) {
    const m = /^([A-Z_]+):\s*(.*)$/.exec(line);
    if (m) meta[m[1] as string] = (m[2] as string).trim();
  }
  const num = (v: string | undefined) => {
    const m = /\((\d+)\)$/.exec(v ?? '') ?? /^(\d+)$/.exec(v ?? '');
    return m ? Number(m[1]) : Number.NaN;
  };
  const status = num(meta.STATUS);
  const uid = num(meta.UID);
  const gid = num(meta.GID);
  if ([status, uid, gid].some(Number.isNaN)) return null;
  return { status, uid, gid, payload: text.slice(blank + 2) };
}

/** The request a credential was made for must be the request it came with, to this node. */
export function checkPeer(
  u: Unmunged,
  got: PeerRequest,
): { ok: true; uid: number; gid: number } | { ok: false; problem: string } {
  if (u.status !== 0) return { ok: false, problem: `munge credential refused (status ${u.status})` };
  if (u.payload !== peerPayload(got))
    return { ok: false, problem: 'the munge credential was made for another request or node' };
  return { ok: true, uid: u.uid, gid: u.gid };
}

export interface PeerAddress {
  name: string;
  host: string;
  port: number;
}

export const DEFAULT_PEER_PORT = 7788;

/** `n1=host:7788,n2=[::1]:7788` → addresses (the settings schema has checked the shape). */
export function parseClusterNodes(text: string): PeerAddress[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((entry) => {
      const [name, addr] = entry.split('=') as [string, string];
      const colon = addr.lastIndexOf(':');
      const host = addr.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
      return { name, host, port: Number(addr.slice(colon + 1)) };
    });
}

/** `sinfo -h -N -o %N` → one address per node, at its own name and the default port. */
export function nodesFromSinfo(text: string): PeerAddress[] {
  const names = [...new Set(text.split('\n').map((l) => l.trim()))].filter((n) =>
    /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/.test(n),
  );
  return names.map((name) => ({ name, host: name, port: DEFAULT_PEER_PORT }));
}
