// The Dockerfile generator behind image-create / image-update: an ImageSpec in, Dockerfile text out,
// each phase between marker comments so image-update can rewrite a package list without touching what
// the user edited elsewhere. Pure: no I/O, everything checked before anything is built.
import { isImageRef, NAME } from './names.js';
import {
  mergeApt,
  mergePip,
  PackageError,
  parseAptPackage,
  parsePipRequirement,
  pipKey,
} from './packages.js';
import {
  DATA_SCIENCE_PACKAGES,
  isUseCase,
  JUPYTER_PACKAGES,
  SECTIONS,
  type SectionId,
  USE_CASES,
  type UseCase,
} from './phases.js';

export interface ImageSpec {
  name: string;
  /** The base image reference (a catalogue entry's image, or a custom one). */
  base: string;
  /** Catalogue name of the base, when it came from the policy (a comment in the file). */
  baseLabel?: string;
  jupyter: boolean;
  dataScience: boolean;
  useCases: UseCase[];
  /** Extra pip requirements (NAME, NAME==1.2, …). */
  pip: string[];
  /** apt packages (NAME or NAME=VERSION). */
  apt: string[];
}

export class SpecError extends Error {
  constructor(
    readonly problems: string[],
    readonly hint: string,
  ) {
    super(
      problems.length === 1
        ? (problems[0] as string)
        : `${problems.length} problems:\n  ${problems.join('\n  ')}`,
    );
    this.name = 'SpecError';
  }
}

/** Every problem with a spec, so a user fixes them all at once. */
export function specProblems(spec: ImageSpec): string[] {
  const problems: string[] = [];
  if (!NAME.test(spec.name))
    problems.push(
      `"${spec.name}" is not a valid image name: use lower case letters, digits, "_", "." and "-" (up to 63)`,
    );
  if (!isImageRef(spec.base))
    problems.push(`"${spec.base}" is not an image reference like pytorch/pytorch:2.5.1 or ubuntu:22.04`);
  for (const u of spec.useCases)
    if (!isUseCase(u))
      problems.push(`"${u}" is not a use case; choose from ${Object.keys(USE_CASES).join(', ')}`);
  for (const p of spec.pip) {
    try {
      parsePipRequirement(p);
    } catch (err) {
      if (err instanceof PackageError) problems.push(err.message);
      else throw err;
    }
  }
  for (const a of spec.apt) {
    try {
      parseAptPackage(a);
    } catch (err) {
      if (err instanceof PackageError) problems.push(err.message);
      else throw err;
    }
  }
  return problems;
}

export function validateSpec(spec: ImageSpec): void {
  const problems = specProblems(spec);
  if (problems.length)
    throw new SpecError(problems, 'fix the names above; `image-create --help` shows the accepted forms');
}

const begin = (id: SectionId, what: string) => `# >>> ds01:${id} — ${what}`;
const end = (id: SectionId) => `# <<< ds01:${id}`;

const quote = (s: string) => (/^[A-Za-z0-9._-]+$/.test(s) ? s : `'${s}'`);

/** One RUN that installs a list, one package per line (readable diffs; image-update parses it back). */
function pipRun(pkgs: readonly string[]): string[] {
  if (!pkgs.length) return [];
  return [
    'RUN pip install --no-cache-dir \\',
    ...pkgs.map((p, i) => `      ${quote(p)}${i < pkgs.length - 1 ? ' \\' : ''}`),
  ];
}

function aptRun(pkgs: readonly string[]): string[] {
  if (!pkgs.length) return [];
  return [
    'RUN apt-get update \\',
    ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\',
    ...pkgs.map((p) => `      ${quote(p)} \\`),
    ' && rm -rf /var/lib/apt/lists/*',
  ];
}

/** Usecase packages not already installed by an earlier phase or listed twice. */
function useCasePackages(spec: ImageSpec): string[] {
  const seen = new Set<string>(
    [...(spec.dataScience ? DATA_SCIENCE_PACKAGES : []), ...(spec.jupyter ? JUPYTER_PACKAGES : [])].map(
      pipKey,
    ),
  );
  const out: string[] = [];
  for (const u of spec.useCases)
    for (const p of USE_CASES[u].packages) {
      if (seen.has(pipKey(p))) continue;
      seen.add(pipKey(p));
      out.push(p);
    }
  return out;
}

/**
 * The account phase: the user's name, uid and gid come in as build args set by the daemon from the
 * caller's kernel identity. Works on Debian/Ubuntu (useradd), Alpine/busybox (adduser -D) and bare
 * images (append to /etc/passwd), and reuses a group or user that already has the id.
 */
export const USER_PHASE = [
  'ARG DS01_USER=ds01',
  'ARG DS01_UID=1000',
  'ARG DS01_GID=1000',
  'RUN set -e; \\',
  '    if ! grep -q "^[^:]*:[^:]*:$DS01_GID:" /etc/group; then \\',
  '      if [ -x "$(command -v groupadd)" ]; then groupadd -g "$DS01_GID" "$DS01_USER"; \\',
  '      elif [ -x "$(command -v addgroup)" ]; then addgroup -g "$DS01_GID" "$DS01_USER"; \\',
  `      else printf '%s:x:%s:\\n' "$DS01_USER" "$DS01_GID" >> /etc/group; fi; \\`,
  '    fi; \\',
  `    group="$(awk -F: -v g="$DS01_GID" '$3 == g { print $1; exit }' /etc/group)"; \\`,
  '    if ! grep -q "^[^:]*:[^:]*:$DS01_UID:" /etc/passwd; then \\',
  '      if [ -x "$(command -v useradd)" ]; then useradd -M -u "$DS01_UID" -g "$DS01_GID" -d "/home/$DS01_USER" -s /bin/sh "$DS01_USER"; \\',
  '      elif [ -x "$(command -v adduser)" ]; then adduser -D -H -u "$DS01_UID" -G "$group" -h "/home/$DS01_USER" -s /bin/sh "$DS01_USER"; \\',
  `      else printf '%s:x:%s:%s::/home/%s:/bin/sh\\n' "$DS01_USER" "$DS01_UID" "$DS01_GID" "$DS01_USER" >> /etc/passwd; fi; \\`,
  '    fi; \\',
  '    home="$(awk -F: -v u="$DS01_UID" \'$3 == u { print $6; exit }\' /etc/passwd)"; \\',
  '    mkdir -p "$home" /workspace; \\',
  '    chown "$DS01_UID:$DS01_GID" "$home" /workspace',
];

function section(id: SectionId, what: string, body: string[]): string[] {
  return [begin(id, what), ...(body.length ? body : ['# (nothing)']), end(id), ''];
}

export function renderDockerfile(spec: ImageSpec): string {
  validateSpec(spec);
  const lines = [
    `# ds01 image "${spec.name}", made by image-create.`,
    '# The sections between ">>> ds01:" and "<<< ds01:" markers are rewritten by `image-update`',
    '# (--add, --add-system, --requirements); edit anything else freely, then `image-update NAME --rebuild`.',
    '',
    ...section('base', spec.baseLabel ? `base image (${spec.baseLabel})` : 'base image', [
      `FROM ${spec.base}`,
    ]),
    ...section('system', 'apt packages', aptRun(spec.apt)),
    ...section('jupyter', 'JupyterLab', spec.jupyter ? pipRun(JUPYTER_PACKAGES) : []),
    ...section('datascience', 'data-science stack', spec.dataScience ? pipRun(DATA_SCIENCE_PACKAGES) : []),
    ...section(
      'usecases',
      `use cases: ${spec.useCases.length ? spec.useCases.join(', ') : 'none'}`,
      pipRun(useCasePackages(spec)),
    ),
    ...section('pip', 'extra Python packages', pipRun(spec.pip)),
    ...section('user', 'your account in the image', USER_PHASE),
    'WORKDIR /workspace',
    '',
  ];
  return lines.join('\n');
}

interface Located {
  start: number; // index of the begin marker line
  end: number; // index of the end marker line
}

function locate(lines: string[], id: SectionId): Located {
  const start = lines.findIndex((l) => l.startsWith(`# >>> ds01:${id} `) || l === `# >>> ds01:${id}`);
  const endIdx = lines.findIndex((l, i) => i > start && l.trim() === end(id));
  if (start < 0 || endIdx < 0)
    throw new SpecError(
      [`the Dockerfile has no "${id}" section (markers "# >>> ds01:${id}" … "${end(id)}")`],
      'it was not made by image-create or the markers were removed: edit it by hand, then `image-update NAME --rebuild`',
    );
  return { start, end: endIdx };
}

/** The packages listed in a section's install command (pip or apt), as written. */
export function readSectionPackages(text: string, id: 'pip' | 'system'): string[] {
  const lines = text.split('\n');
  const { start, end: stop } = locate(lines, id);
  const out: string[] = [];
  for (const raw of lines.slice(start + 1, stop)) {
    const l = raw.trim();
    if (!l || l.startsWith('#') || /^(RUN|&&)\b/.test(l) || l.startsWith('&&')) continue;
    const item = l.replace(/\s*\\$/, '').trim();
    if (!item) continue;
    out.push(item.replace(/^'(.*)'$/, '$1'));
  }
  return out;
}

function replaceSection(text: string, id: SectionId, body: string[]): string {
  const lines = text.split('\n');
  const { start, end: stop } = locate(lines, id);
  return [...lines.slice(0, start + 1), ...(body.length ? body : ['# (nothing)']), ...lines.slice(stop)].join(
    '\n',
  );
}

export interface DockerfileEdit {
  addPip?: string[];
  addApt?: string[];
}

/** image-update: add packages to the pip / apt sections (a package already listed takes the new version). */
export function editDockerfile(text: string, edit: DockerfileEdit): string {
  const problems = specProblems({
    name: 'x',
    base: 'x',
    jupyter: false,
    dataScience: false,
    useCases: [],
    pip: edit.addPip ?? [],
    apt: edit.addApt ?? [],
  });
  if (problems.length) throw new SpecError(problems, 'fix the package names and run image-update again');
  let out = text;
  if (edit.addPip?.length)
    out = replaceSection(out, 'pip', pipRun(mergePip(readSectionPackages(out, 'pip'), edit.addPip)));
  if (edit.addApt?.length)
    out = replaceSection(out, 'system', aptRun(mergeApt(readSectionPackages(out, 'system'), edit.addApt)));
  return out;
}

/** The section ids present in a Dockerfile, in order (used to tell a generated file from a hand-written one). */
export function sectionsIn(text: string): SectionId[] {
  const lines = text.split('\n');
  return SECTIONS.filter((id) => lines.some((l) => l.startsWith(`# >>> ds01:${id}`)));
}
