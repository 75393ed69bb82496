// What Docker builds for a user is a Dockerfile ds01 WROTE, not the user's. ds01 reads the user's
// Dockerfile in a strict subset (anything it cannot read one way only is refused), lists every image it
// uses (FROM, COPY/ADD --from), and renders a new Dockerfile in which each of those is the full id of an
// image the user may use (resolved and authorized by the caller) and each stage has a name of ds01's.
// Docker's parser then has nothing left to disagree about: no continuation, quote, escape, directive,
// variable or prefix in an image reference survives, because none is copied. Pure.
import { parseImageRef } from './resolve.js';

export class DockerfileRefusal extends Error {
  constructor(
    readonly code: 'BAD_REQUEST' | 'FORBIDDEN',
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'DockerfileRefusal';
  }
}

/** Instructions the classic builder runs, less ONBUILD (a trigger would run in a later build, unread). */
const INSTRUCTIONS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);
const COPY_FLAGS = new Set([
  'chown',
  'chmod',
  'from',
  'link',
  'parents',
  'exclude',
  'checksum',
  'keep-git-dir',
]);
const STAGE_NAME = /^[a-z][a-z0-9._-]*$/;
const PLATFORM = /^[A-Za-z0-9_/.,-]+$/;

/** Where a stage starts from, or what a COPY --from reads. */
export type Source = { kind: 'image'; ref: string } | { kind: 'stage'; index: number } | { kind: 'scratch' };

type Step =
  | { op: 'FROM'; platform: string | null; source: Source }
  | { op: 'COPY' | 'ADD'; flags: [string, string][]; from: Source | null; rest: string }
  | { op: string; text: string };

export interface ReadDockerfile {
  steps: Step[];
  /** Each image reference used, once, in order. */
  images: string[];
  /** What the final stage builds on (through stages to an image, or scratch). */
  finalBase: Source;
}

const refuse = (line: number, message: string, hint: string) =>
  new DockerfileRefusal('BAD_REQUEST', `Dockerfile line ${line}: ${message}`, hint);

/** Logical instructions: continuation lines joined as Docker joins them (no space), comments dropped. */
function logical(text: string): { text: string; line: number; lines: number }[] {
  const out: { text: string; line: number; lines: number }[] = [];
  const raw = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  let cur: { text: string; line: number; lines: number } | null = null;
  let seenInstruction = false;
  for (const [i, line] of raw.entries()) {
    const n = i + 1;
    if (/^[ \t]*#/.test(line)) {
      if (!seenInstruction && /^[ \t]*#[ \t]*[A-Za-z][\w-]*[ \t]*=/.test(line))
        throw refuse(
          n,
          'parser directives (# syntax=, # escape=, # check=) are not allowed',
          'delete the directive: ds01 builds with the default syntax and the \\ escape',
        );
      continue; // comments, also inside a continued instruction (as Docker does)
    }
    if (!line.trim()) continue; // blank lines, also inside a continued instruction (as Docker does)
    const cont = /\\[ \t]*$/.test(line);
    const body = cont ? line.replace(/\\[ \t]*$/, '') : line;
    if (cur === null) cur = { text: body, line: n, lines: 1 };
    else {
      cur.text += body;
      cur.lines++;
    }
    if (!cont) {
      if (cur.text.trim()) out.push({ ...cur, text: cur.text.trim() });
      seenInstruction = true;
      cur = null;
    }
  }
  if (cur !== null)
    throw refuse(
      cur.line,
      'the last instruction ends with a line continuation (\\)',
      'finish the instruction',
    );
  return out;
}

/** Read a user's Dockerfile, or refuse it with the reason and what to do. */
export function readDockerfile(text: string): ReadDockerfile {
  if (text.startsWith('\uFEFF'))
    throw new DockerfileRefusal(
      'BAD_REQUEST',
      'the Dockerfile starts with a byte order mark',
      'save it as UTF-8 without BOM',
    );
  // Control characters (other than tab and line ends) and Unicode line breaks read differently by parsers.
  const ctl = /[\u0000-\u0008\u000B-\u000C\u000E-\u001F\u007F\u0085\u2028\u2029]|\r(?!\n)/.exec(text);
  if (ctl) {
    const line = text.slice(0, ctl.index).split('\n').length;
    throw refuse(line, 'contains a control character', 'remove it (only tabs and line ends are allowed)');
  }
  const steps: Step[] = [];
  const images: string[] = [];
  const stages: { name: string | null; base: Source }[] = [];
  const sourceOf = (word: string, line: number, where: string): Source => {
    const lower = word.toLowerCase();
    const stage = stages.findIndex((s) => s.name === lower);
    if (stage >= 0) return { kind: 'stage', index: stage };
    if (where === 'COPY --from' && /^\d+$/.test(word)) {
      const index = Number(word);
      if (index >= stages.length - 1)
        throw refuse(
          line,
          `--from=${word} names no earlier stage`,
          'use the index or name of an earlier stage',
        );
      return { kind: 'stage', index };
    }
    if (where === 'FROM' && lower === 'scratch') return { kind: 'scratch' };
    if (!parseImageRef(word) || word.includes('$'))
      throw refuse(
        line,
        `${where} "${word}" is not an image name ds01 can read`,
        'write the image out as NAME[:TAG] without quotes, escapes or variables (see `image-list`)',
      );
    if (!images.includes(word)) images.push(word);
    return { kind: 'image', ref: word };
  };

  for (const { text: inst, line, lines } of logical(text)) {
    const m = /^([A-Za-z]+)(?:[ \t]+([\s\S]*))?$/.exec(inst);
    const op = m?.[1]?.toUpperCase() ?? '';
    const args = (m?.[2] ?? '').trim();
    if (!m || !INSTRUCTIONS.has(op)) {
      throw refuse(
        line,
        op === 'ONBUILD'
          ? 'ONBUILD is not allowed (a trigger would run in a later build, unchecked)'
          : `"${inst.slice(0, 40)}" is not an instruction ds01 builds`,
        'use FROM, RUN, COPY, ADD, ENV, ARG, WORKDIR, USER, LABEL, EXPOSE, CMD, ENTRYPOINT, …',
      );
    }
    if (op === 'FROM') {
      if (lines > 1) throw refuse(line, 'FROM is continued over several lines', 'write FROM on one line');
      const words = args.split(/[ \t]+/).filter(Boolean);
      let platform: string | null = null;
      while (words[0]?.startsWith('--')) {
        const flag = /^--platform=(.+)$/.exec(words.shift() as string);
        if (!flag || !PLATFORM.test(flag[1] as string))
          throw refuse(line, 'FROM takes only --platform=OS/ARCH', 'remove the other flags');
        platform = flag[1] as string;
      }
      const [ref, as, name, ...extra] = words;
      if (!ref || extra.length || (as !== undefined && (as.toUpperCase() !== 'AS' || !name)))
        throw refuse(
          line,
          'FROM must be "FROM IMAGE" or "FROM IMAGE AS NAME"',
          'see the Dockerfile reference',
        );
      const stageName = name?.toLowerCase() ?? null;
      if (stageName !== null && !STAGE_NAME.test(stageName))
        throw refuse(
          line,
          `"${name}" is not a stage name`,
          'use lower case letters, digits, ".", "_" and "-"',
        );
      const source = sourceOf(ref, line, 'FROM');
      const base = source.kind === 'stage' ? (stages[source.index] as { base: Source }).base : source;
      stages.push({ name: stageName, base });
      steps.push({ op: 'FROM', platform, source });
      continue;
    }
    if (!stages.length && op !== 'ARG')
      throw refuse(
        line,
        `${op} before the first FROM`,
        'start the Dockerfile with FROM (ARG may come before it)',
      );
    if (op === 'COPY' || op === 'ADD') {
      const flags: [string, string][] = [];
      let from: Source | null = null;
      let rest = args;
      while (rest.startsWith('--')) {
        const tok = /^(\S+)[ \t]*/.exec(rest) as RegExpExecArray;
        rest = rest.slice(tok[0].length);
        const f = /^--([a-z-]+)=(.*)$/.exec(tok[1] as string);
        if (!f || !COPY_FLAGS.has(f[1] as string))
          throw refuse(
            line,
            `${op} flags must be written --NAME=VALUE (${[...COPY_FLAGS].join(', ')})`,
            'fix the flag',
          );
        if (f[1] !== 'from') {
          flags.push([f[1] as string, f[2] as string]);
          continue;
        }
        if (lines > 1)
          throw refuse(line, `${op} --from is continued over several lines`, `write the ${op} on one line`);
        if (from) throw refuse(line, `${op} has two --from flags`, 'keep one');
        from = sourceOf(f[2] as string, line, 'COPY --from');
      }
      // Sources and destination are copied as written: they start at the first word that is not a flag.
      steps.push({ op, flags, from, rest });
      continue;
    }
    if (op === 'RUN' && args.startsWith('--'))
      throw refuse(line, 'RUN flags (--mount, --network, --security) are not allowed', 'remove them');
    if (op === 'LABEL' && /ds01\./i.test(args))
      throw new DockerfileRefusal(
        'FORBIDDEN',
        `Dockerfile line ${line}: ds01.* labels are ds01's own; an image may not set them`,
        'use another label name',
      );
    steps.push({ op, text: args });
  }
  const last = stages.at(-1);
  if (!last)
    throw new DockerfileRefusal('BAD_REQUEST', 'the Dockerfile has no FROM', 'start it with FROM IMAGE');
  return { steps, images, finalBase: last.base };
}

const stageName = (i: number) => `ds01-stage-${i}`;

function sourceText(s: Source, ids: ReadonlyMap<string, string>): string {
  if (s.kind === 'scratch') return 'scratch';
  if (s.kind === 'stage') return stageName(s.index);
  const id = ids.get(s.ref);
  if (!id || !/^sha256:[a-f0-9]{64}$/.test(id)) throw new Error(`no resolved id for ${s.ref}`);
  return id;
}

/** The Dockerfile Docker gets: one instruction a line, every image a full id, every stage named by ds01. */
export function renderAuthorized(read: ReadDockerfile, ids: ReadonlyMap<string, string>): string {
  let stage = 0;
  const out: string[] = [];
  for (const s of read.steps) {
    if (s.op === 'FROM' && 'source' in s) {
      const platform = s.platform ? `--platform=${s.platform} ` : '';
      out.push(`FROM ${platform}${sourceText(s.source, ids)} AS ${stageName(stage++)}`);
    } else if ('rest' in s) {
      const flags = s.flags.map(([k, v]) => `--${k}=${v}`);
      if (s.from) flags.unshift(`--from=${sourceText(s.from, ids)}`);
      out.push([s.op, ...flags, s.rest].join(' '));
    } else if ('text' in s) out.push(s.text ? `${s.op} ${s.text}` : s.op);
  }
  for (const l of out) if (l.endsWith('\\')) throw new Error('a rendered line ends with a continuation');
  return `${out.join('\n')}\n`;
}
