// Package names as users type them, checked before anything is built: a bad name fails here with a
// message that says what a good one looks like, not ten minutes into a build. Pure.

/** A pip requirement we accept: NAME, NAME[extra,…], optionally followed by comma-separated specifiers. */
const PIP_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const PIP_EXTRAS =
  /^\[[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:,[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)*\]$/;
const PIP_SPECIFIER = /^(===|==|!=|~=|>=|<=|>|<)([A-Za-z0-9][A-Za-z0-9.*+!_-]*)$/;
const PIP_HELP = 'write NAME, NAME==1.2, NAME>=1.0,<2 or NAME[extra]>=1 (no URLs, paths or pip options)';

/** Debian package names (policy §5.6.1), optionally pinned as NAME=VERSION. */
const APT_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const APT_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+~:-]*$/;

export class PackageError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'PackageError';
  }
}

export interface PipRequirement {
  name: string;
  /** The requirement as it goes into the Dockerfile, spaces removed. */
  text: string;
}

/** Parse one pip requirement; throws PackageError saying what is wrong. */
export function parsePipRequirement(input: string): PipRequirement {
  // Spaces around operators are fine (`torch >= 2`); anywhere else they split two words.
  const text = input.trim().replace(/\s*([[\],=!~<>])\s*/g, '$1');
  const fail = (why: string) => new PackageError(`"${input}" is not a valid pip package: ${why}`, PIP_HELP);
  if (!text) throw fail('it is empty');
  if (/\s/.test(text)) throw fail('it contains a space (one package per item)');
  if (text.length > 200) throw fail('it is longer than 200 characters');
  const m = /^([^[\]=!~<>]+)(\[[^\]]*\])?(.*)$/.exec(text);
  if (!m) throw fail('it does not start with a package name');
  const [, name = '', extras, rest = ''] = m;
  if (!PIP_NAME.test(name)) throw fail(`"${name}" is not a package name`);
  if (extras && !PIP_EXTRAS.test(extras)) throw fail(`"${extras}" is not a list of extras`);
  if (rest) {
    for (const spec of rest.split(',')) {
      if (!PIP_SPECIFIER.test(spec)) throw fail(`"${spec}" is not a version specifier like ==1.2 or >=1.0`);
    }
  }
  return { name, text };
}

/** The key pip uses to tell packages apart (PEP 503 normalisation). */
export function pipKey(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export interface AptPackage {
  name: string;
  text: string;
}

export function parseAptPackage(input: string): AptPackage {
  const text = input.trim();
  const [name = '', version, extra] = text.split('=');
  const fail = (why: string) =>
    new PackageError(
      `"${input}" is not a valid apt package: ${why}`,
      'write a Debian package name such as libgl1 or ffmpeg, optionally pinned as NAME=VERSION',
    );
  if (!text) throw fail('it is empty');
  if (extra !== undefined) throw fail('it has more than one "="');
  if (!APT_NAME.test(name)) throw fail(`"${name}" is not a package name (lower case, digits, + . -)`);
  if (version !== undefined && !APT_VERSION.test(version)) throw fail(`"${version}" is not a version`);
  return { name, text };
}

/**
 * Read a requirements.txt into pip requirements. Comments and blank lines are skipped; anything pip
 * would treat as an option, URL or path is refused with its line number, so nothing unchecked reaches
 * the Dockerfile.
 */
export function parseRequirementsFile(text: string, file = 'requirements.txt'): PipRequirement[] {
  const out: PipRequirement[] = [];
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    if (line.startsWith('-'))
      throw new PackageError(
        `${file}:${i + 1}: pip options such as "${line.split(/\s/)[0]}" are not supported`,
        'list plain packages (NAME, NAME==1.2); ask an admin if you need another index',
      );
    if (line.includes(';'))
      throw new PackageError(
        `${file}:${i + 1}: environment markers ("${line}") are not supported`,
        'remove the "; …" part: the image has one fixed Python',
      );
    try {
      out.push(parsePipRequirement(line));
    } catch (err) {
      if (err instanceof PackageError) throw new PackageError(`${file}:${i + 1}: ${err.message}`, err.hint);
      throw err;
    }
  });
  return out;
}

/** Add requirements to a list: a package already there is replaced (its new specifier wins). */
export function mergePip(existing: string[], added: string[]): string[] {
  const byKey = new Map<string, string>();
  for (const t of [...existing, ...added]) byKey.set(pipKey(parsePipRequirement(t).name), t);
  return [...byKey.values()];
}

export function mergeApt(existing: string[], added: string[]): string[] {
  const byName = new Map<string, string>();
  for (const t of [...existing, ...added]) byName.set(parseAptPackage(t).name, t);
  return [...byName.values()];
}

/**
 * Split what a user typed into items: spaces separate, and so do commas, except inside [extras] and
 * before a version operator (`torch>=2,<3` is one item).
 */
export function splitList(input: string | string[] | undefined): string[] {
  const parts = Array.isArray(input) ? input : input ? [input] : [];
  return parts.flatMap((p) => p.split(/\s+|,(?![^[]*\])(?![=!~<>])/)).filter(Boolean);
}
