// What `ssh -L PORT:/run/ds01/web.sock` does on the server, without sshd: a process running AS THE USER
// accepts TCP on 127.0.0.1 and connects to the web socket, so ds01d's SO_PEERCRED names that user.
// The browser (or a test's HTTP client) talks to http://localhost:PORT.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { TestUser } from './users.js';

const RELAY = `
const net = require('node:net');
const sock = process.argv[1];
const srv = net.createServer((c) => {
  const u = net.connect(sock);
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
  c.on('close', () => u.destroy()); u.on('close', () => c.destroy());
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
`;

export interface WebRelay {
  port: number;
  origin: string;
  close(): Promise<void>;
}

export async function startWebRelay(user: TestUser, socket: string): Promise<WebRelay> {
  const proc: ChildProcess = spawn(
    'setpriv',
    [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--init-groups',
      '--',
      process.execPath,
      '-e',
      RELAY,
      socket,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    proc.stderr?.on('data', (d) => {
      out += d;
    });
    proc.once('exit', (code) => reject(new Error(`relay exited ${code}: ${out}`)));
  });
  return {
    port,
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
  };
}

export interface WebResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

/** One HTTP request through a relay; `headers` are sent as given (tests forge Host and Origin). */
export function webRequest(
  relay: WebRelay,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string } = {},
): Promise<WebResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: relay.port,
        method,
        path,
        agent: false,
        headers: { Host: `localhost:${relay.port}`, ...opts.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
