// Client side of access into containers: the SSH stream for `ssh-proxy`, host keys, ports, JupyterLab.
// Imports stay light (no zod): `ds01 ssh-proxy` runs at the start of every ssh connection.
import { request } from 'node:http';
import {
  type JupyterResult,
  type PortsResult,
  SSH_UPGRADE_PROTOCOL,
  type SshHostKey,
} from '../../daemon/api/types/access.js';
import { type ErrorBody, isErrorCode } from '../../daemon/api/types/errors.js';
import { ApiError, type Client, connectError } from './client.js';

const enc = encodeURIComponent;

export const sshHostKey = (c: Client, name: string) =>
  c.request<SshHostKey>(`/containers/${enc(name)}/ssh-host-key`);
export const containerPorts = (c: Client, name: string) =>
  c.request<PortsResult>(`/containers/${enc(name)}/ports`);
export const startJupyter = (c: Client, name: string, port?: number) =>
  c.request<JupyterResult>(`/containers/${enc(name)}/jupyter`, {
    method: 'POST',
    body: port === undefined ? {} : { port },
    timeoutMs: 120_000,
  });

function refusal(status: number, text: string): ApiError {
  try {
    const e = (JSON.parse(text) as ErrorBody).error;
    if (isErrorCode(e?.code)) return new ApiError(e.code, e.message, status, e.hint, e.details);
  } catch {
    // not JSON: fall through
  }
  return new ApiError('INTERNAL', `daemon answered ${status}: ${text.slice(0, 200)}`, status);
}

/**
 * Join `input`/`output` (OpenSSH's ProxyCommand pipes) to the SSH server ds01d runs for the container.
 * Resolves when the stream ends; a refusal before the upgrade rejects with the daemon's typed error.
 */
export function sshStream(
  client: Client,
  name: string,
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const req = request({
      socketPath: client.socket,
      method: 'POST',
      path: `/v1/containers/${enc(name)}/ssh`,
      headers: { Host: 'ds01', Connection: 'Upgrade', Upgrade: SSH_UPGRADE_PROTOCOL },
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(connectError(client.socket, err));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(refusal(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('upgrade', (_res, socket, head) => {
      socket.setNoDelay(true);
      if (head.length) output.write(head);
      input.pipe(socket);
      socket.pipe(output);
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
    });
    req.end();
  });
}
