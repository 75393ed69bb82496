// Files ds01d runs or serves beside its own code (helper programs, the web page). Found from the daemon's
// directory, the nearest folder named `daemon` above the running module, because that module is
// dist/daemon/main.js or dist/daemon/chunks/*.js in the bundle (scripts/bundle-daemon.ts), tsc's
// dist/daemon/<dir>/<file>.js, or the source under tsx: a fixed `../` fits only one of them.
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function daemonDirFrom(moduleFile: string): string {
  for (let dir = dirname(moduleFile); ; dir = dirname(dir)) {
    if (basename(dir) === 'daemon') return dir;
    if (dirname(dir) === dir) throw new Error(`no daemon/ directory above ${moduleFile}: is ds01 installed?`);
  }
}

/** `rel` under the daemon's directory, e.g. `workspace/bind-helper.js` → dist/daemon/workspace/bind-helper.js. */
export function daemonFile(rel: string): string {
  return join(daemonDirFrom(fileURLToPath(import.meta.url)), rel);
}
