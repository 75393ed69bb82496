// munge, the credential service every Slurm node already runs (docs/cluster.md, "Between nodes"): a
// credential is made by `munge` AS THE USER (munged records the uid of the process that asks; nobody can
// choose it) and read back by `unmunge` on the receiving node, as root. Credentials are restricted to
// decoding by root (-u 0) and live `ttlSec`; munged refuses one decoded twice.
import { execFile } from 'node:child_process';
import type { RunAs } from './programs.js';

export interface Munge {
  encode(asUser: RunAs, payload: string, ttlSec?: number): Promise<string>;
  /** unmunge's text (metadata, a blank line, the payload); a refused credential still prints its STATUS. */
  decode(credential: string): Promise<string>;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const CREDENTIAL = /^MUNGE:[A-Za-z0-9+/=]{10,8192}:$/;

function run(file: string, args: string[], input: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { env, cwd: '/', timeout: 10_000, encoding: 'utf8', maxBuffer: 1024 * 1024 },
      (err, stdout, stderr) => {
        // unmunge exits non-zero for a refused credential but still says why on stdout.
        if (err && !stdout) reject(new Error(stderr.trim() || String(err.message)));
        else resolve(stdout);
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

export function createMunge(socket: string | null): Munge {
  const sock = socket ? [`--socket=${socket}`] : [];
  return {
    async encode(u, payload, ttlSec = 60) {
      const cred = await run(
        'setpriv',
        [
          `--reuid=${u.uid}`,
          `--regid=${u.gid}`,
          '--init-groups',
          '--',
          'munge',
          ...sock,
          '--restrict-uid=0',
          `--ttl=${ttlSec}`,
        ],
        payload,
        { PATH, HOME: u.home, USER: u.name },
      );
      const c = cred.trim();
      if (!CREDENTIAL.test(c)) throw new Error(`munge printed no credential: ${c.slice(0, 200)}`);
      return c;
    },
    decode(credential) {
      if (!CREDENTIAL.test(credential)) return Promise.resolve('STATUS: Invalid credential format (4)\n\n');
      return run('unmunge', [...sock], credential, { PATH });
    },
  };
}
