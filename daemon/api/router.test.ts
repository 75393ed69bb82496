import { describe, expect, it } from 'vitest';
import { Router, route } from './router.js';

const ok = () => ({ json: {} });
const r = new Router([
  route({ method: 'GET', path: '/v1/containers', handler: ok }),
  route({ method: 'GET', path: '/v1/containers/:ref', handler: ok }),
  route({ method: 'POST', path: '/v1/containers/:ref/stop', handler: ok }),
]);

describe('Router', () => {
  it('matches static and parameter segments', () => {
    expect(r.match('GET', '/v1/containers')).toMatchObject({ params: {} });
    expect(r.match('GET', '/v1/containers/my-proj')).toMatchObject({ params: { ref: 'my-proj' } });
    expect(r.match('POST', '/v1/containers/a%2Eb/stop')).toMatchObject({ params: { ref: 'a.b' } });
  });
  it('says when only the method is wrong', () => {
    expect(r.match('DELETE', '/v1/containers')).toBe('method');
  });
  it('refuses path tricks in parameters', () => {
    for (const p of [
      '/v1/containers/..',
      '/v1/containers/%2e%2e',
      '/v1/containers/a%2Fb',
      '/v1/containers/%00',
      '/v1/containers/%E0%A4%A',
    ]) {
      expect(r.match('GET', p)).toBeNull();
    }
    expect(r.match('GET', '/v1/containers/a/b')).toBeNull();
    expect(r.match('GET', '/etc/passwd')).toBeNull();
  });
});
