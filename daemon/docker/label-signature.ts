// Only containers ds01 made are ds01's. Anyone can write `ds01.*` labels (a Dockerfile's LABEL reaches
// the build's own step containers; an image's labels are inherited by every container made from it), so
// a label alone proves nothing. ds01 signs the ownership labels of each container it creates with an
// HMAC key that only the daemon can read (0600 in the state directory), over the Docker name it gives
// the container; adoption trusts a container only if the store knows its id or its signature verifies.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, closeSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LABELS } from './labels.js';

export const SIGNATURE_LABEL = 'ds01.signature';
const VERSION = 'v1';
export const LABEL_KEY_FILE = 'label-key';

/** The exact text signed: every label adoption reads, and the container's Docker name. */
export function signedText(labels: Record<string, string>, dockerName: string): string {
  return JSON.stringify([
    VERSION,
    dockerName.replace(/^\//, ''),
    labels[LABELS.ownerUid] ?? null,
    labels[LABELS.ownerName] ?? null,
    labels[LABELS.project] ?? null,
    labels[LABELS.gpuSlots] ?? null,
  ]);
}

export class LabelSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('label signing key is too short');
  }

  sign(labels: Record<string, string>, dockerName: string): string {
    const mac = createHmac('sha256', this.key).update(signedText(labels, dockerName)).digest('hex');
    return `${VERSION}:${mac}`;
  }

  /** True when the labels carry ds01's signature over themselves and this Docker name. */
  verify(labels: Record<string, string> | undefined, dockerName: string): boolean {
    const got = labels?.[SIGNATURE_LABEL];
    if (!labels || typeof got !== 'string') return false;
    const want = Buffer.from(this.sign(labels, dockerName));
    const have = Buffer.from(got);
    return have.length === want.length && timingSafeEqual(have, want);
  }
}

/** The daemon's key: read from the state directory, or made on first start (root-only, 0600). */
export function loadOrCreateLabelKey(stateDir: string): Buffer {
  const path = join(stateDir, LABEL_KEY_FILE);
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
    writeSync(fd, randomBytes(32).toString('hex'));
    closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (st.uid !== process.getuid?.()) throw new Error(`${path} is not owned by the daemon's user`);
    if (st.mode & 0o077) chmodSync(path, 0o600); // never readable by anyone else
    const hex = readFileSync(fd, 'utf8').trim();
    if (!/^[0-9a-f]{64,}$/.test(hex)) throw new Error(`${path} is not a ds01 label key (64+ hex digits)`);
    return Buffer.from(hex, 'hex');
  } finally {
    closeSync(fd);
  }
}
