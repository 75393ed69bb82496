// Which TCP ports listen inside a container, from /proc/<pid>/net/tcp{,6} of its init process (its
// network namespace), read by the daemon: no process is started in the container. Parsing is pure.

export interface ListeningPort {
  port: number;
  /** The address it is bound to, as the container sees it (127.0.0.1, 0.0.0.0, ::1, ::). */
  address: string;
}

const LISTEN = '0A';

function v4(hex: string): string {
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function v6(hex: string): string {
  if (/^0{32}$/.test(hex)) return '::';
  if (hex === '00000000000000000000000001000000') return '::1';
  if (hex.startsWith('0000000000000000FFFF0000')) return `::ffff:${v4(hex.slice(24))}`;
  const words: string[] = [];
  for (let i = 0; i < 4; i++) {
    const w = hex.slice(i * 8, i * 8 + 8);
    // each 32-bit word is in host (little-endian) order
    const le = (w.match(/../g) ?? []).reverse().join('');
    words.push(le.slice(0, 4), le.slice(4));
  }
  return words.map((w) => w.replace(/^0+(?=.)/, '').toLowerCase()).join(':');
}

/** LISTEN sockets of one /proc/net/tcp or tcp6 text. */
export function parseProcNetTcp(text: string, family: 4 | 6): ListeningPort[] {
  const out: ListeningPort[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || f[3] !== LISTEN) continue;
    const [addr, port] = (f[1] ?? '').split(':');
    if (!addr || !port) continue;
    out.push({ port: Number.parseInt(port, 16), address: family === 4 ? v4(addr) : v6(addr) });
  }
  return out;
}

/** Both families, one row per port and address, sorted by port. */
export function listeningPorts(tcp: string, tcp6: string): ListeningPort[] {
  const seen = new Set<string>();
  const all = [...parseProcNetTcp(tcp, 4), ...parseProcNetTcp(tcp6, 6)].filter((p) => {
    const k = `${p.port} ${p.address}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return all.sort((a, b) => a.port - b.port || a.address.localeCompare(b.address));
}
