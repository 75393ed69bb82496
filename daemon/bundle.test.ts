// ds01d's bundle (scripts/bundle-daemon.ts): what every start loads (the entry and the chunks it imports
// statically) leaves out the parts only some requests need, and the two rewritten requires in dockerode
// and docker-modem still match those packages. Built in memory with the options `npm run build` uses.
import { build, type Metafile } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  appliedLazyRequires,
  DAEMON_EXTERNAL,
  daemonBuildOptions,
  LAZY_REQUIRES,
} from '../scripts/bundle-daemon.js';

let outputs: Metafile['outputs'];

beforeAll(async () => {
  const r = await build({ ...daemonBuildOptions('/nonexistent-ds01-daemon-bundle'), write: false });
  outputs = r.metafile?.outputs ?? {};
}, 60_000);

/** Output files loaded at start: the entry and its static imports, transitively. */
function eager(): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const entry = Object.keys(outputs).find((k) => outputs[k]?.entryPoint === 'daemon/main.ts');
  const visit = (file: string | undefined) => {
    if (!file || files.has(file)) return;
    files.add(file);
    for (const i of outputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement') continue;
      if (i.external) packages.add(i.path);
      else visit(i.path);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('ds01d bundle', () => {
  it('loads SSH access, SMTP and host figures only when first used', () => {
    const { files, packages } = eager();
    const inputs = [...files].flatMap((f) => Object.keys(outputs[f]?.inputs ?? {}));
    expect(inputs).toContain('daemon/main.ts');
    expect(inputs).toContain('daemon/services/access.ts');
    expect(
      inputs.filter((f) =>
        /^daemon\/access\/(ssh-server|sftp|host-keys)\.ts$|node_modules\/(nodemailer|systeminformation)\//.test(
          f,
        ),
      ),
    ).toEqual([]);
    expect([...packages].filter((p) => p === 'ssh2')).toEqual([]);
    expect(DAEMON_EXTERNAL).toContain('better-sqlite3');
  });

  it("keeps dockerode's BuildKit session and docker-modem's ssh transport behind a first call", () => {
    // The plugin fails the build when a package's text changed; here: each rewrite found its file.
    expect([...appliedLazyRequires].sort()).toEqual(LAZY_REQUIRES.map((l) => l.from).sort());
    const inputs = Object.values(outputs).flatMap((o) => Object.keys(o.inputs));
    expect(inputs).toContain('node_modules/dockerode/lib/session.js');
  });
});
