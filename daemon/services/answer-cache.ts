// Serialised answers kept while the store has not changed (issue 17). An admin's list of 300 containers
// is ≈300 row objects, 300 summaries and a 100 kB string per request; under the 50-client load that churn
// was most of the daemon's peak memory (V8 keeps pages of garbage until its next full GC). The answer is
// a pure function of the store's rows and the caller, so the same text serves every identical request
// until anything is written: the version is Store.readVersion() (this connection's change counter and
// SQLite's data_version for other connections), and inside a transaction there is none, so nothing is kept.

/** At most this much answer text is kept (oldest dropped first); more viewers simply compute again. */
const MAX_CHARS = 4 * 2 ** 20;

export class AnswerCache {
  private version: string | null = null;
  private readonly answers = new Map<string, string>();
  private chars = 0;

  constructor(private readonly maxChars = MAX_CHARS) {}

  /** `make()`'s answer for `key` at `version`: computed once per version, or every time when version is null. */
  get(version: string | null, key: string, make: () => string): string {
    if (version === null) return make();
    if (version !== this.version) {
      this.answers.clear();
      this.chars = 0;
      this.version = version;
    }
    const kept = this.answers.get(key);
    if (kept !== undefined) return kept;
    const text = make();
    if (text.length > this.maxChars) return text;
    for (const [k, v] of this.answers) {
      if (this.chars + text.length <= this.maxChars) break;
      this.answers.delete(k);
      this.chars -= v.length;
    }
    this.answers.set(key, text);
    this.chars += text.length;
    return text;
  }
}
