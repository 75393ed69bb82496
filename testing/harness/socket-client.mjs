// Run as a real user (runAs): sends the requests given as JSON on stdin to the daemon's socket, a few
// at a time, and prints one JSON array of answers { status, last } (last: the final NDJSON line or the
// body, cut short). A connection the daemon drops counts as status 0. Plain JS: it runs without a build.
import http from 'node:http';

const [socket, concurrencyArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? 4);
let input = '';
for await (const c of process.stdin) input += c;
const requests = JSON.parse(input);

function send(r) {
  return new Promise((resolve) => {
    const body = r.body === undefined ? undefined : Buffer.from(r.body, r.base64 ? 'base64' : 'utf8');
    const req = http.request(
      {
        socketPath: socket,
        method: r.method,
        path: r.path,
        headers: { ...(body ? { 'content-length': body.length } : {}), ...r.headers },
        timeout: 60_000,
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
          if (text.length > 65536) text = text.slice(-65536);
        });
        res.on('end', () => {
          const lines = text.trim().split('\n');
          resolve({ status: res.statusCode, last: (lines.at(-1) ?? '').slice(0, 2000) });
        });
        res.on('error', () => resolve({ status: res.statusCode, last: 'response error' }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, last: String(e.message) }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

const out = new Array(requests.length);
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < requests.length) {
      const i = next++;
      out[i] = await send(requests[i]);
    }
  }),
);
process.stdout.write(JSON.stringify(out));
