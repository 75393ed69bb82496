// Why a build failed, in plain words, and what to do next naming the real image. Pure: the daemon feeds it
// Docker's error and the failing step's last output lines. A RUN step that could not reach the network is
// not "fix that step": the Dockerfile may be right and the server's builds offline or the mirror down.

export type BuildFailureKind = 'network' | 'memory' | 'missing-base' | 'timeout' | 'step';

export interface BuildFailureInput {
  /** The image's name as the user knows it (`thesis`), for the `image-update NAME --rebuild` hint. */
  image: string;
  /** Docker's error for the build (`The command '/bin/sh -c …' returned a non-zero code: 4`). */
  failure: string;
  /** The last lines the failing step printed. */
  output: readonly string[];
  /** The failing step, when Docker said which. */
  step?: { step: number; total: number; instruction: string };
}

export interface BuildFailure {
  kind: BuildFailureKind;
  message: string;
  hint: string;
}

// Resolver, socket, TLS and package-manager download errors (curl, wget/busybox, pip, apt, conda, git).
const NETWORK = [
  /no such host/i,
  /bad address/i,
  /could not resolve/i,
  /unable to resolve host/i,
  /temporary failure (in name resolution|resolving)/i,
  /name or service not known/i,
  /name resolution/i,
  /connection refused/i,
  /connection timed out/i,
  /i\/o timeout/i,
  /network is unreachable/i,
  /no route to host/i,
  /tls handshake/i,
  /ssl: certificate|certificate verify failed/i,
  /failed to establish a new connection/i,
  /could not fetch url/i,
  /readtimeouterror|connecttimeouterror/i,
  /failed to fetch http/i, // apt
  /condahttperror|connectionerror/i,
  /could not connect to/i,
];

const MEMORY = [
  /non-zero code: 137\b/,
  /\bkilled\b/i,
  /memoryerror/i,
  /cannot allocate memory/i,
  /out of memory/i,
];

const rebuild = (image: string) => `\`image-update ${image} --rebuild\``;

/** The first output line (or Docker's error) that shows the cause, for the message. */
function evidence(input: BuildFailureInput, patterns: RegExp[]): string | undefined {
  for (const line of [...input.output].reverse()) if (patterns.some((p) => p.test(line))) return line.trim();
  return patterns.some((p) => p.test(input.failure)) ? input.failure : undefined;
}

/** A failed build step: the network, memory, or the step itself. */
export function describeBuildFailure(input: BuildFailureInput): BuildFailure {
  const at = input.step ? ` at step ${input.step.step}/${input.step.total} (${input.step.instruction})` : '';
  const net = evidence(input, NETWORK);
  if (net)
    return {
      kind: 'network',
      message: `a network problem stopped the build of ${input.image}${at}: ${net}`,
      hint: `the step could not download what it needs; check the address, then try again (${rebuild(input.image)}). If it persists the server may have no internet access for builds: use a base image that already has the packages, or ask an admin`,
    };
  const mem = evidence(input, MEMORY);
  if (mem)
    return {
      kind: 'memory',
      message: `the build of ${input.image} ran out of memory${at}: ${mem}`,
      hint: `install fewer packages in one step (or pip's --no-cache-dir), then ${rebuild(input.image)}; an admin can raise the build memory limit`,
    };
  return {
    kind: 'step',
    message: `the build of ${input.image} failed${at}: ${input.failure}`,
    hint: `fix that step in the Dockerfile (its output is above), then run ${rebuild(input.image)}`,
  };
}

/** The build ran over its time limit. */
export function describeBuildTimeout(image: string, minutes: number): BuildFailure {
  return {
    kind: 'timeout',
    message: `the build of ${image} ran over ${minutes} min and was stopped`,
    hint: `make the slow step faster (fewer packages, a base image that has them), then ${rebuild(image)}; or ask an admin`,
  };
}

/** A base image (FROM) that is neither here nor pullable. `why` is the resolver's message. */
export function describeMissingBase(image: string, why: string): BuildFailure {
  return {
    kind: 'missing-base',
    message: `the build of ${image} cannot start: its base ${why}`,
    hint: `change FROM to an image from \`image-list\` (or ask an admin to pull it), then ${rebuild(image)}`,
  };
}

/** Docker refused the build before running a step (bad Dockerfile syntax, …). */
export function describeRefusedBuild(image: string, detail: string): BuildFailure {
  return {
    kind: 'step',
    message: `Docker refused the build of ${image}: ${detail}`,
    hint: `fix the Dockerfile, then ${rebuild(image)}`,
  };
}
