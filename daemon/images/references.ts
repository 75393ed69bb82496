// Which images a Dockerfile builds on (FROM, COPY/ADD --from), and whether the caller may use them:
// another user's `ds01-<uid>/…` image is theirs alone. Pure.
import { isImageId, normaliseRef, parseOwnedRef } from './naming.js';

/** Logical instructions: parser directives honoured (escape), comments dropped, continuations joined. */
export function logicalLines(text: string): string[] {
  const raw = text.split(/\r?\n/);
  let escapeChar = '\\';
  for (const l of raw) {
    const d = /^#\s*escape\s*=\s*(\S)\s*$/i.exec(l);
    if (d) escapeChar = d[1] as string;
    else if (!/^#\s*\w+\s*=/.test(l)) break; // directives only at the very top
  }
  const out: string[] = [];
  let cur = '';
  for (const line of raw) {
    if (/^\s*#/.test(line)) continue; // comments, also inside a continued instruction
    const t = line.replace(/\s+$/, '');
    if (t.endsWith(escapeChar)) {
      cur += `${t.slice(0, -1)} `;
      continue;
    }
    cur += t;
    if (cur.trim()) out.push(cur.trim());
    cur = '';
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export interface ImageUse {
  ref: string;
  line: string;
}

/** Images used from outside the build (stage names excluded). */
export function imagesUsed(text: string): ImageUse[] {
  const stages = new Set<string>();
  const uses: ImageUse[] = [];
  for (const line of logicalLines(text)) {
    const words = line.split(/\s+/);
    const op = (words[0] ?? '').toUpperCase();
    if (op === 'FROM') {
      const args = words.slice(1).filter((w) => !w.startsWith('--'));
      const ref = args[0];
      if (ref && !stages.has(ref.toLowerCase())) uses.push({ ref, line });
      if (args[1]?.toUpperCase() === 'AS' && args[2]) stages.add(args[2].toLowerCase());
    } else if (op === 'COPY' || op === 'ADD' || op === 'RUN' || op === 'ONBUILD') {
      for (const m of line.matchAll(/--(?:from|mount=[^\s]*?\bfrom)=([^\s,]+)/gi)) {
        const ref = m[1] as string;
        if (!/^\d+$/.test(ref) && !stages.has(ref.toLowerCase())) uses.push({ ref, line });
      }
    }
  }
  return uses;
}

export type RefProblem = { code: 'FORBIDDEN' | 'BAD_REQUEST'; message: string; hint: string };

/** The first image the caller may not build on, or null when every one is allowed. */
export function refProblem(text: string, caller: { uid: number; admin: boolean }): RefProblem | null {
  for (const { ref, line } of imagesUsed(text)) {
    if (ref.includes('$'))
      return {
        code: 'BAD_REQUEST',
        message: `"${line}": image names built from variables are not allowed`,
        hint: 'write the image name out (FROM pytorch/pytorch:2.5.1-…)',
      };
    if (isImageId(normaliseRef(ref)))
      return {
        code: 'BAD_REQUEST',
        message: `"${line}": images must be named, not given by id`,
        hint: 'use a name such as ubuntu:22.04 or one of yours from `image-list`',
      };
    const owned = parseOwnedRef(ref);
    if (owned && owned.uid !== caller.uid && !caller.admin)
      return {
        code: 'FORBIDDEN',
        message: `"${line}": ${ref} is another user's image`,
        hint: 'build on a base from `image-create` or on one of your own images (`image-list`)',
      };
  }
  return null;
}
