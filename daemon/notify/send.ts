// The I/O of a delivery: read a root-only secret file, POST a webhook, hand an e-mail to SMTP. Errors are
// rewritten so they never carry a secret (a webhook URL holds its token; the SMTP password is never in one).
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import type { SmtpPolicy } from '../policy/notifications.js';

export class DeliveryError extends Error {}

/**
 * A secret from a file that only root can read or change: owned by uid 0, no group/other permissions,
 * not a link. Anything else is refused with what to fix, so a token cannot be planted or read by users.
 */
export function readSecret(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    throw new DeliveryError(
      `cannot read secret file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== 0 || (st.mode & 0o077) !== 0)
      throw new DeliveryError(
        `secret file ${path} must be a plain file owned by root with no group or other access (chown root: and chmod 600)`,
      );
    return readFileSync(fd, 'utf8').trim();
  } finally {
    closeSync(fd);
  }
}

export async function postWebhook(url: string, body: unknown, timeoutMs: number): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DeliveryError('the webhook URL in its file is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new DeliveryError(`the webhook URL must be http or https, not ${parsed.protocol}`);
  let res: Response;
  try {
    res = await fetch(parsed, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ds01-notifier' },
      body: JSON.stringify(body),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : (e.cause?.code ?? e.name);
    throw new DeliveryError(`webhook to ${parsed.host} failed: ${why}`);
  }
  await res.body?.cancel();
  if (res.status < 200 || res.status >= 300)
    throw new DeliveryError(`webhook to ${parsed.host} answered HTTP ${res.status}`);
}

export interface Mail {
  to: string[];
  subject: string;
  text: string;
}

export async function sendMail(smtp: SmtpPolicy, mail: Mail, timeoutMs: number): Promise<void> {
  const pass = smtp.passwordFile ? readSecret(smtp.passwordFile) : null;
  // Loaded on the first mail: many sites configure no SMTP, and it is a large package.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.security === 'tls',
    requireTLS: smtp.security === 'starttls',
    ignoreTLS: smtp.security === 'none',
    ...(smtp.user ? { auth: { user: smtp.user, pass: pass ?? '' } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({
      from: smtp.from,
      to: mail.to,
      // The envelope is exactly the checked addresses: nothing in a header can add a recipient.
      envelope: { from: envelopeFrom(smtp.from), to: mail.to },
      subject: mail.subject,
      text: mail.text,
      headers: { 'Auto-Submitted': 'auto-generated' },
    });
  } catch (err) {
    const e = err as Error & { code?: string; responseCode?: number };
    let why = e.responseCode ? `SMTP ${e.responseCode}` : (e.code ?? 'error');
    if (e.message) why += `: ${e.message.split('\n')[0]}`;
    if (pass) why = why.split(pass).join('***');
    throw new DeliveryError(`e-mail via ${smtp.host}:${smtp.port} failed: ${why}`);
  } finally {
    transport.close();
  }
}

function envelopeFrom(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}
