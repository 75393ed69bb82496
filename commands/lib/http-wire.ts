// HTTP/1.1 as the commands speak it to ds01d over its Unix socket: one request per connection
// (`Connection: close`), its answer read back with a Content-Length, chunked, or until the close. Pure
// (bytes in, parts out); client.ts does the socket. The commands use this rather than node:http, whose
// client, parser and agent cost every command ≈5 ms of CPU at start-up for one request.

/** The request line and headers (and the body) ds01d gets; `path` is already encoded by the caller. */
export function encodeRequest(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): string {
  if (!method || !allIn(method, 0, 0x41, 0x5a)) throw new Error(`bad HTTP method: ${method}`);
  // A path with a space or control character would end the request line early: never sent.
  if (path[0] !== '/' || !allIn(path, 1, 0x21, 0x7e))
    throw new Error(`bad request path: ${JSON.stringify(path)}`);
  const head = [`${method} ${path} HTTP/1.1`, 'Host: ds01', 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) {
    // A line break in either would start a header (or the body) of its own.
    if (!name || !allIn(name, 0, 0x21, 0x7e) || name.includes(':') || !allIn(value, 0, 0x20, 0x7e))
      throw new Error(`bad request header: ${JSON.stringify(name)}`);
    head.push(`${name}: ${value}`);
  }
  if (body !== undefined)
    head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${head.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

export interface ResponseHead {
  status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Record<string, string>;
}

/** What one call to ResponseReader.feed() found. */
export interface Fed {
  /** Set once, on the call that completed the status line and headers. */
  head?: ResponseHead;
  /** Body bytes, de-chunked. */
  body: Buffer[];
  /** The body is complete (the connection's later bytes, if any, are ignored). */
  done: boolean;
}

// Character checks instead of regular expressions here: V8 compiles each expression on its first use,
// which every command would pay for at start-up (≈1 ms for the handful a request needs).

/** Whether every character of `s` from `from` on has a code in [lo, hi]. */
function allIn(s: string, from: number, lo: number, hi: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < lo || c > hi) return false;
  }
  return true;
}

/** `s` as a number in `base` (10 or 16) when it is 1..maxDigits digits and nothing else; else NaN. */
function digits(s: string, base: 10 | 16, maxDigits: number): number {
  if (s.length < 1 || s.length > maxDigits) return Number.NaN;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20; // lower case for a-f; digits keep their codes
    const ok = (c >= 0x30 && c <= 0x39) || (base === 16 && c >= 0x61 && c <= 0x66);
    if (!ok) return Number.NaN;
  }
  return Number.parseInt(s, base);
}

/** Larger heads are refused rather than buffered without end (ds01d's are a few hundred bytes). */
const MAX_HEAD = 64 * 1024;

export class MalformedResponse extends Error {
  override name = 'MalformedResponse';
}

type State =
  | { at: 'head' }
  | { at: 'length'; left: number }
  | { at: 'chunk-size' }
  | { at: 'chunk'; left: number }
  | { at: 'chunk-end' }
  | { at: 'trailers' }
  | { at: 'until-close' }
  | { at: 'done' };

/** Reads one response from the bytes of a connection, as they arrive. */
export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { at: 'head' };
  private gotHead = false;

  /** Whether the status line and headers have been read. */
  get hasHead(): boolean {
    return this.gotHead;
  }

  feed(chunk: Buffer): Fed {
    const fed: Fed = { body: [], done: false };
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      const s = this.state;
      if (s.at === 'done') {
        fed.done = true;
        return fed;
      }
      if (s.at === 'head') {
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (this.buf.length > MAX_HEAD) throw new MalformedResponse('response head too large');
          return fed;
        }
        const head = parseHead(this.buf.subarray(0, end).toString('latin1'));
        this.buf = this.buf.subarray(end + 4);
        // 1xx answers (100 Continue) come before the real one.
        if (head.status < 200) continue;
        this.gotHead = true;
        fed.head = head;
        this.state = bodyState(head);
        continue;
      }
      if (s.at === 'length' || s.at === 'chunk') {
        if (!this.buf.length) return fed;
        const take = Math.min(s.left, this.buf.length);
        fed.body.push(this.buf.subarray(0, take));
        this.buf = this.buf.subarray(take);
        s.left -= take;
        if (s.left === 0) this.state = s.at === 'length' ? { at: 'done' } : { at: 'chunk-end' };
        continue;
      }
      if (s.at === 'until-close') {
        if (this.buf.length) fed.body.push(this.buf);
        this.buf = Buffer.alloc(0);
        return fed;
      }
      // The chunked framing, one CRLF-ended line at a time.
      const nl = this.buf.indexOf('\r\n');
      if (nl < 0) {
        if (this.buf.length > MAX_HEAD) throw new MalformedResponse('chunk framing line too long');
        return fed;
      }
      const line = this.buf.subarray(0, nl).toString('latin1');
      this.buf = this.buf.subarray(nl + 2);
      if (s.at === 'chunk-end') {
        if (line !== '') throw new MalformedResponse('chunk not followed by CRLF');
        this.state = { at: 'chunk-size' };
      } else if (s.at === 'chunk-size') {
        const n = digits(line.split(';')[0]?.trim() ?? '', 16, 8);
        if (Number.isNaN(n)) throw new MalformedResponse(`bad chunk size: ${line.slice(0, 40)}`);
        this.state = n === 0 ? { at: 'trailers' } : { at: 'chunk', left: n };
      } else if (line === '') {
        this.state = { at: 'done' };
      }
    }
  }

  /**
   * The connection closed: whether that completed the response. A body cut short (a daemon restarting
   * mid-answer) is not complete, and neither is a connection closed before any answer.
   */
  closed(): boolean {
    if (this.state.at === 'until-close') this.state = { at: 'done' };
    return this.state.at === 'done';
  }
}

function parseHead(text: string): ResponseHead {
  const [statusLine = '', ...lines] = text.split('\r\n');
  // "HTTP/1.1 200 OK": the version, a space, three digits, then the end or a space and a reason.
  const status = digits(statusLine.slice(9, 12), 10, 3);
  const version = statusLine.slice(0, 9);
  if (
    (version !== 'HTTP/1.1 ' && version !== 'HTTP/1.0 ') ||
    Number.isNaN(status) ||
    (statusLine.length > 12 && statusLine[12] !== ' ')
  )
    throw new MalformedResponse(`bad status line: ${statusLine.slice(0, 60)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedResponse(`bad header line: ${line.slice(0, 60)}`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers };
}

function bodyState(head: ResponseHead): State {
  if (head.status === 204 || head.status === 304) return { at: 'done' };
  const te = head.headers['transfer-encoding'];
  if (te !== undefined) {
    if (te.toLowerCase() !== 'chunked') throw new MalformedResponse(`unsupported transfer-encoding: ${te}`);
    return { at: 'chunk-size' };
  }
  const cl = head.headers['content-length'];
  if (cl !== undefined) {
    const n = digits(cl, 10, 15);
    if (Number.isNaN(n)) throw new MalformedResponse(`bad content-length: ${cl}`);
    return n === 0 ? { at: 'done' } : { at: 'length', left: n };
  }
  return { at: 'until-close' };
}
