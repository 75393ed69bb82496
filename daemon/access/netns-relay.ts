#!/usr/bin/env node
// Runs inside a container's network namespace (started by ds01d through `nsenter --target PID --net`):
// listens on a Unix socket in the daemon's private run directory, then drops to the container owner's
// uid/gid. Each connection names "HOST PORT\n" (HOST is 127.0.0.1 or ::1, decided by the daemon) and is
// joined to a TCP connection made from here, so loopback means the container itself, never the host.
import { chmodSync } from 'node:fs';
import net from 'node:net';

const [sockPath, uidArg, gidArg] = process.argv.slice(2);
const uid = Number(uidArg);
const gid = Number(gidArg);
if (!sockPath || !Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) {
  process.stderr.write('usage: netns-relay SOCKET UID GID\n');
  process.exit(2);
}

// Half-open on both sides: a client that has sent all its request (EOF) still gets the whole answer.
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl < 0) {
      if (head.length > 100) client.destroy();
      return;
    }
    client.off('data', onData);
    client.pause();
    const m = /^(127\.0\.0\.1|::1) ([0-9]{1,5})$/.exec(head.subarray(0, nl).toString('utf8'));
    const rest = head.subarray(nl + 1);
    if (!m) return void client.end('ERR bad request\n');
    const upstream = net.connect({ host: m[1], port: Number(m[2]), allowHalfOpen: true });
    upstream.once('connect', () => {
      client.write('OK\n');
      if (rest.length) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (client.writable) client.end(`ERR ${err.code ?? err.message}\n`);
      client.destroy();
    });
    client.once('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
});

server.listen(sockPath, () => {
  chmodSync(sockPath, 0o600);
  // Nothing below runs as root: TCP connections are the owner's own, like any process in the container.
  process.setgroups?.([]);
  process.setgid?.(gid);
  process.setuid?.(uid);
  process.stdout.write('ready\n');
});
// The daemon closes our stdin when the SSH connection ends: then we go.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
