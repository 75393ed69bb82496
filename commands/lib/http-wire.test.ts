import { describe, expect, it } from 'vitest';
import { encodeRequest, MalformedResponse, ResponseReader } from './http-wire.js';

/** Feeds `bytes` in pieces of `size` and collects what the reader found. */
function read(bytes: string, size = bytes.length) {
  const r = new ResponseReader();
  const buf = Buffer.from(bytes, 'latin1');
  let head: unknown;
  const body: Buffer[] = [];
  let done = false;
  for (let i = 0; i < buf.length; i += size) {
    const fed = r.feed(buf.subarray(i, i + size));
    head ??= fed.head;
    body.push(...fed.body);
    done ||= fed.done;
  }
  return { head, body: Buffer.concat(body).toString('utf8'), done, closed: () => r.closed() };
}

describe('encodeRequest', () => {
  it('writes one request per connection, with a JSON body when given', () => {
    expect(encodeRequest('GET', '/v1/containers?all=1')).toBe(
      'GET /v1/containers?all=1 HTTP/1.1\r\nHost: ds01\r\nConnection: close\r\n\r\n',
    );
    expect(encodeRequest('POST', '/v1/x', '{"name":"é"}')).toBe(
      'POST /v1/x HTTP/1.1\r\nHost: ds01\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"name":"é"}',
    );
  });

  it('refuses a path or method that would break the request line', () => {
    expect(() => encodeRequest('GET', '/v1/a b')).toThrow(/bad request path/);
    expect(() => encodeRequest('GET', '/v1/a\r\nX-Evil: 1')).toThrow(/bad request path/);
    expect(() => encodeRequest('GET', 'v1/a')).toThrow(/bad request path/);
    expect(() => encodeRequest('GET /x HTTP/1.1\r\n', '/v1/a')).toThrow(/bad HTTP method/);
  });

  it('adds headers, and refuses one that would start a line of its own', () => {
    expect(encodeRequest('GET', '/v1/a', undefined, { 'x-ds01-want-notices': 'unread' })).toBe(
      'GET /v1/a HTTP/1.1\r\nHost: ds01\r\nConnection: close\r\nx-ds01-want-notices: unread\r\n\r\n',
    );
    expect(() => encodeRequest('GET', '/v1/a', undefined, { x: 'a\r\nX-Evil: 1' })).toThrow(
      /bad request header/,
    );
    expect(() => encodeRequest('GET', '/v1/a', undefined, { 'x: y': 'a' })).toThrow(/bad request header/);
    expect(() => encodeRequest('GET', '/v1/a', undefined, { '': 'a' })).toThrow(/bad request header/);
  });
});

describe('ResponseReader', () => {
  const json = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":[1,2]}';

  it.each([1, 3, 1000])('reads a Content-Length answer in pieces of %i bytes', (size) => {
    const r = read(json, size);
    expect(r.head).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json', 'content-length': '11' },
    });
    expect(r).toMatchObject({ body: '{"a":[1,2]}', done: true });
  });

  it.each([1, 4, 1000])('de-chunks a streamed answer in pieces of %i bytes', (size) => {
    const chunked =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '6\r\n{"n":1\r\n2;ext=1\r\n}\n\r\n9\r\n{"n":22}\n\r\n0\r\nX-Trailer: t\r\n\r\n';
    expect(read(chunked, size)).toMatchObject({ body: '{"n":1}\n{"n":22}\n', done: true });
  });

  it('tells an answer cut short from a complete one', () => {
    const cut = read(json.slice(0, -3));
    expect(cut).toMatchObject({ head: { status: 200 }, done: false });
    expect(cut.closed()).toBe(false);
    const chunkCut = read('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n');
    expect(chunkCut.closed()).toBe(false);
    // Nothing at all (the daemon went away before answering).
    expect(read('').closed()).toBe(false);
  });

  it('reads to the close when the length is not given, and nothing for 204', () => {
    const r = read('HTTP/1.1 200 OK\r\n\r\nall of it');
    expect(r).toMatchObject({ body: 'all of it', done: false });
    expect(r.closed()).toBe(true);
    expect(read('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({
      head: { status: 204 },
      body: '',
      done: true,
    });
  });

  it('reads a status without a reason, HTTP/1.0, and upper-case chunk sizes', () => {
    expect(read('HTTP/1.0 404\r\nContent-Length: 0\r\n\r\n')).toMatchObject({
      head: { status: 404 },
      done: true,
    });
    const big = 'x'.repeat(0xab);
    const r = read(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nAB\r\n${big}\r\n0\r\n\r\n`);
    expect(r).toMatchObject({ body: big, done: true });
  });

  it('skips a 100 Continue before the answer', () => {
    expect(read(`HTTP/1.1 100 Continue\r\n\r\n${json}`)).toMatchObject({ head: { status: 200 }, done: true });
  });

  it('ignores bytes after a complete answer', () => {
    expect(read(`${json}HTTP/1.1 500 Oops\r\n\r\n`)).toMatchObject({ body: '{"a":[1,2]}', done: true });
  });

  it.each([
    ['a status line that is not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', /bad status line/],
    ['a status that is not three digits', 'HTTP/1.1 20x OK\r\n\r\n', /bad status line/],
    ['a status run into its reason', 'HTTP/1.1 2000K\r\n\r\n', /bad status line/],
    ['an HTTP version other than 1.x', 'HTTP/2.0 200 OK\r\n\r\n', /bad status line/],
    ['a Content-Length with a sign', 'HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n', /bad content-length/],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', /bad header line/],
    ['a bad Content-Length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /bad content-length/],
    ['an unknown transfer coding', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n', /unsupported/],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /bad chunk size/],
    [
      'a chunk size too long',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n123456789\r\n',
      /bad chunk size/,
    ],
    [
      'a chunk longer than it said',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n',
      /CRLF/,
    ],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => read(bytes)).toThrow(MalformedResponse);
    expect(() => read(bytes)).toThrow(message);
  });

  it('refuses a head that never ends instead of buffering it', () => {
    expect(() => read(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`)).toThrow(/too large/);
  });
});
