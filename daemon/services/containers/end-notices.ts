// Why a container is going away, for the shells attached to it: a stop or retire by an admin, or ds01d's
// own (max runtime, idle), sets the line BEFORE Docker stops the container, so the exec ending with it can
// send that line as its last words instead of dropping the user at the host prompt without a word.
// Kept briefly (every shell of that container reads it), then forgotten.

const KEEP_MS = 60_000;

export class EndNotices {
  private readonly lines = new Map<string, { text: string; until: number }>();

  constructor(private readonly now: () => number) {}

  set(containerId: string, text: string): void {
    this.lines.set(containerId, { text, until: this.now() + KEEP_MS });
  }

  /** The line for this container's shells, if it is being stopped with one. */
  get(containerId: string): string | null {
    const e = this.lines.get(containerId);
    if (!e) return null;
    if (e.until < this.now()) {
      this.lines.delete(containerId);
      return null;
    }
    return e.text;
  }

  /** The stop did not happen (Docker refused): no shell should read a line about it. */
  clear(containerId: string): void {
    this.lines.delete(containerId);
  }
}
