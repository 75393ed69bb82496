import { describe, expect, it } from 'vitest';
import { listeningPorts, parseProcNetTcp } from './ports.js';

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 12345 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 12346 1 0000000000000000 100 0 0 10 0
   2: 0100007F:22B8 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1001        0 12347 1 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1770 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 1 1 0 100 0 0 10 0
   1: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 2 1 0 100 0 0 10 0
`;

describe('listening ports from /proc/net/tcp', () => {
  it('keeps LISTEN sockets only, with their addresses', () => {
    expect(parseProcNetTcp(TCP, 4)).toEqual([
      { port: 8888, address: '127.0.0.1' },
      { port: 8080, address: '0.0.0.0' },
    ]);
    expect(parseProcNetTcp(TCP6, 6)).toEqual([
      { port: 6000, address: '::1' },
      { port: 8080, address: '::' },
    ]);
  });
  it('merges both families sorted by port', () => {
    expect(listeningPorts(TCP, TCP6).map((p) => `${p.address}:${p.port}`)).toEqual([
      '::1:6000',
      ':::8080',
      '0.0.0.0:8080',
      '127.0.0.1:8888',
    ]);
  });
  it('reads nothing from empty or garbled text', () => {
    expect(listeningPorts('', '')).toEqual([]);
    expect(parseProcNetTcp('header\nnot a socket line\n', 4)).toEqual([]);
  });
});
