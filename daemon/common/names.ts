// The one pattern for names users give things (containers, images, catalogue entries) and the one for
// Docker image references, used by the wire schemas, the policy reader, the Dockerfile generator and the
// CLI's prompts alike. Pure.

/** A name as users type it: a container's (Docker name `<name>._.<uid>`), an image's, a catalogue entry's. */
export const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

/** What NAME allows, in words, for messages. */
export const NAME_RULE = 'lower case letters, digits, "_", "." and "-" (up to 63)';

export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * A Docker image reference, [registry[:port]/]path[:tag][@digest], in Docker's own grammar
 * (distribution/reference): lower-case path components, so nothing option-like (`--privileged`) and no
 * spaces get through.
 */
const IMAGE_REF_GRAMMAR =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

/** Docker refuses a reference over 255 characters. */
export function isImageRef(ref: string): boolean {
  return ref.length <= 255 && IMAGE_REF_GRAMMAR.test(ref);
}

/** Why a name is unusable, in words a user can act on; null when it is fine. */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'a container name cannot be empty';
  if (name.includes('/')) return `"${name}" contains "/": a container name is one word, not a path`;
  if (name.includes('..')) return `"${name}" contains "..": use single dots only`;
  if (/\s/.test(name)) return `"${name}" contains a space: use "-" or "_" instead`;
  if (/[A-Z]/.test(name))
    return `"${name}" has capital letters: names are lower case (try "${name.toLowerCase()}")`;
  if (name.includes('._.'))
    return `"${name}" contains "._.", which ds01 uses to separate the name from your uid`;
  if (name.length > 63) return `"${name.slice(0, 20)}…" is ${name.length} characters long: at most 63`;
  if (!NAME.test(name))
    return `"${name}" is not a valid name: start with a letter or digit, then letters, digits, ".", "_" or "-"`;
  return null;
}
