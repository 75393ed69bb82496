// The CLI bundle (scripts/bundle-cli.ts) keeps commands/imports.test.ts's rule: what the commands ship
// with is built from commands/, the wire contract (daemon/api/types), daemon/common and packages, never
// daemon code. Built in memory with the same options `npm run build` uses.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { CLI_EXTERNAL, cliBuildOptions } from '../scripts/bundle-cli.js';

const ALLOWED = /^(commands\/|daemon\/api\/types\/|daemon\/common\/|node_modules\/)/;

describe('CLI bundle', () => {
  it('bundles only commands, the wire contract, daemon/common and packages', async () => {
    const r = await build({ ...cliBuildOptions('/nonexistent-ds01-bundle'), write: false });
    const inputs = Object.keys(r.metafile?.inputs ?? {});
    expect(inputs.some((f) => f.startsWith('commands/user/container-list'))).toBe(true);
    expect(inputs.filter((f) => !ALLOWED.test(f))).toEqual([]);
    // Nothing daemon-only is reached through a package either (the daemon's own dependencies).
    expect(
      inputs.filter((f) => /node_modules\/(better-sqlite3|dockerode|koffi|node-cron)\//.test(f)),
    ).toEqual([]);
  });

  it('leaves zod, tar-stream and enquirer out of the start-up path', async () => {
    const r = await build({ ...cliBuildOptions('/nonexistent-ds01-bundle'), write: false });
    const outputs = r.metafile?.outputs ?? {};
    // The entry and the chunks it imports statically, transitively: what every command loads.
    const entry = Object.keys(outputs).find((k) => outputs[k]?.entryPoint === 'commands/bin/ds01.ts');
    const cli = Object.entries(outputs).find(([, o]) => o.inputs['commands/cli.ts'])?.[0];
    const eager = new Set<string>();
    const visit = (file: string | undefined) => {
      if (!file || eager.has(file)) return;
      eager.add(file);
      for (const i of outputs[file]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
    };
    visit(entry);
    visit(cli);
    const loaded = [...eager].flatMap((f) => Object.keys(outputs[f]?.inputs ?? {}));
    expect(loaded.filter((f) => /node_modules\/(zod|tar-stream|enquirer)\//.test(f))).toEqual([]);
    expect(CLI_EXTERNAL).toContain('enquirer');
  });
});
