// The page and its bundled assets, read once from dist/web (scripts/bundle-web.ts writes them at build
// time; nothing is fetched from elsewhere). Requests pick an asset by name from this map, so no request
// path ever reaches the file system.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { daemonFile } from '../paths.js';

export interface WebAsset {
  body: Buffer;
  type: string;
}

export interface WebAssets {
  /** The page for one load, with its CSRF token. */
  page(csrfToken: string): string;
  asset(name: string): WebAsset | undefined;
}

/** dist/web beside dist/daemon. */
export const WEB_DIST = daemonFile('../web');

const TYPES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

const escapeAttr = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loadWebAssets(dir = WEB_DIST): WebAssets {
  const template = readFileSync(join(dir, 'index.html'), 'utf8');
  if (!template.includes('{{CSRF}}')) throw new Error(`${dir}/index.html has no {{CSRF}} placeholder`);
  const assets = new Map<string, WebAsset>();
  for (const [name, type] of Object.entries(TYPES))
    assets.set(name, { body: readFileSync(join(dir, name)), type });
  return {
    page: (token) => template.replace('{{CSRF}}', escapeAttr(token)),
    asset: (name) => assets.get(name),
  };
}
