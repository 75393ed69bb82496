import { describe, expect, it } from 'vitest';
import { chooseAddress, emailFromGecos } from '../notify/address.js';
import { parsePolicy } from './load.js';

const parse = (text: string) => parsePolicy(text, 'p.yaml', { now: new Date('2026-08-01T00:00:00Z') });

describe('policy notifications:', () => {
  it('reads SMTP, channels, defaults and the address map', () => {
    const r = parse(`
notifications:
  default_on: [queue.served, job.finished]
  emails: { ada: ada@example.org }
  email_domains: [example.org]
  smtp: { host: smtp.example.org, user: ds01, password_file: /etc/ds01/smtp-pass, from: "ds01 <ds01@example.org>" }
  channels:
    - { name: ops, type: slack, url_file: /etc/ds01/slack-url, on: [health, unmanaged, gpu.] }
    - { name: mail, type: email, to: [ops@example.org], on: [policy] }
`);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const n = r.policy.notifications;
    expect(n?.smtp).toMatchObject({
      host: 'smtp.example.org',
      port: 587,
      security: 'starttls',
      user: 'ds01',
    });
    expect(n?.channels.map((c) => c.name)).toEqual(['ops', 'mail']);
    expect(n?.defaultOn).toEqual(['queue.served', 'job.finished']);
    expect(n?.emails).toEqual({ ada: 'ada@example.org' });
  });

  it('refuses what would leak or mislead, each at its line', () => {
    const r = parse(`
notifications:
  emails: { ada: "ada@example.org, eve@evil.org" }
  default_on: [everything]
  smtp: { host: h, from: "a\\nBcc: x@y.org", password_file: relative/path }
  channels:
    - { name: Ops, type: slack, url_file: /x }
    - { name: hook, type: webhook }
    - { name: hook2, type: carrier-pigeon, url_file: /x }
    - { name: hook3, type: webhook, url_file: /x, on: [nonsense] }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const messages = r.errors.map((e) => e.message).join('\n');
    expect(messages).toMatch(/not one plain e-mail address/);
    expect(messages).toMatch(/unknown topic "everything"/);
    expect(messages).toMatch(/From address must be one line/);
    expect(messages).toMatch(/not an absolute path/);
    expect(messages).toMatch(/"Ops" is not a channel name/);
    expect(messages).toMatch(/a webhook needs "url_file"/);
    expect(messages).toMatch(/not a channel type/);
    expect(messages).toMatch(/"nonsense" is not a topic/);
  });

  it('GECOS: the first field that is one address', () => {
    expect(emailFromGecos('Ada Lovelace,Room 1,,,ada@example.org')).toBe('ada@example.org');
    expect(emailFromGecos('Ada Lovelace')).toBeNull();
    expect(emailFromGecos(undefined)).toBeNull();
  });

  it("an address: the user's own, then the policy's map, then GECOS (when allowed)", () => {
    const policy = { emails: { ada: 'ada@map.org' }, emailFromGecos: true };
    const ada = { name: 'ada', gecos: 'Ada,,,,ada@gecos.org' };
    expect(chooseAddress('me@own.org', ada, policy)).toEqual({ email: 'me@own.org', source: 'set' });
    expect(chooseAddress(null, ada, policy)).toEqual({ email: 'ada@map.org', source: 'policy' });
    expect(chooseAddress(null, { ...ada, name: 'bob' }, policy)).toEqual({
      email: 'ada@gecos.org',
      source: 'gecos',
    });
    expect(chooseAddress(null, { ...ada, name: 'bob' }, { ...policy, emailFromGecos: false })).toBeNull();
  });
});
