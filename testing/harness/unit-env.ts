// The Environment= lines of the shipped systemd unit, so benches and the chaos soak run ds01d as systemd
// does (its memory settings: NODE_OPTIONS, MALLOC_ARENA_MAX).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './daemon.js';

export function unitEnvironment(): Record<string, string> {
  const unitText = readFileSync(join(REPO, 'systemd/ds01d.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unitText.matchAll(/^Environment=([A-Z_][A-Z0-9_]*)=(.*)$/gm))
    env[m[1] as string] = m[2] as string;
  return env;
}
