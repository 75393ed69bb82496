import { describe, expect, it } from 'vitest';
import { type WebRequestFacts, webRefusal } from './guard.js';

const page = (f: Partial<WebRequestFacts>): WebRequestFacts => ({
  method: 'POST',
  host: 'localhost:8080',
  origin: 'http://localhost:8080',
  secFetchSite: 'same-origin',
  csrfProblem: null,
  ...f,
});

describe('webRefusal', () => {
  it('serves reads and the page’s own changes on a loopback Host', () => {
    for (const host of ['localhost:8080', '127.0.0.1:9', '[::1]:8080', 'localhost', 'LOCALHOST:1'])
      expect(webRefusal(page({ method: 'GET', host, origin: undefined })), host).toBeNull();
    expect(webRefusal(page({}))).toBeNull();
    expect(webRefusal(page({ secFetchSite: undefined }))).toBeNull(); // older browsers send none
  });
  it('refuses any request naming another host (DNS rebinding)', () => {
    for (const host of [
      undefined,
      '',
      'evil.example',
      'localhost.evil.example:80',
      '127.0.0.1.nip.io',
      '[::2]:80',
    ])
      expect(webRefusal(page({ method: 'GET', host }))?.[1], String(host)).toMatch(/only for localhost/);
  });
  it('refuses a change from another origin, a cross-site fetch, or without a good token', () => {
    expect(webRefusal(page({ origin: 'https://evil.example' }))?.[1]).toMatch(/another origin/);
    expect(webRefusal(page({ origin: undefined }))?.[1]).toMatch(/another origin \(none\)/);
    expect(webRefusal(page({ origin: 'http://localhost:8081' }))?.[1]).toMatch(/another origin/);
    expect(webRefusal(page({ origin: 'null' }))?.[1]).toMatch(/another origin/);
    expect(webRefusal(page({ secFetchSite: 'same-site' }))?.[1]).toMatch(/same-site/);
    expect(webRefusal(page({ csrfProblem: 'the request carries no CSRF token' }))?.[1]).toMatch(/no CSRF/);
    for (const method of ['PUT', 'PATCH', 'DELETE'])
      expect(webRefusal(page({ method, origin: 'https://evil.example' })), method).not.toBeNull();
  });
});
