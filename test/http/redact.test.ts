import { bodyExcerpt, MAX_BODY_EXCERPT, requestSecrets } from '../../src/http/redact.js';

// The log excerpt of an upstream error body (src/http/redact.ts): bounded, and with every
// credential out, whichever spelling the upstream echoes it in. The end-to-end cases are in
// test/resilience/upstream-bodies.test.ts; these pin the spellings.

describe('bodyExcerpt', () => {
  const secrets = requestSecrets(
    { authorization: 'Bearer tok-3f9a8b7c', apikey: 'key-12ab34cd', accept: 'application/json' },
    'grant_type=password&username=ann&password=p%40ss%2Fword&client_secret=shh-client-secret',
  );

  it('takes the request’s own credentials from its headers and token form, not other fields', () => {
    expect(secrets).toEqual(expect.arrayContaining(['Bearer tok-3f9a8b7c', 'tok-3f9a8b7c', 'key-12ab34cd', 'p@ss/word', 'shh-client-secret']));
    expect(secrets).not.toContain('application/json');
    expect(secrets).not.toContain('ann');
  });

  it.each([
    ['as sent', 'denied: tok-3f9a8b7c'],
    ['percent-encoded', 'password=p%40ss%2Fword rejected'],
    ['JSON-escaped', '{"detail":"p@ss\\/word"}'.replace('\\/', '/')],
    ['inside a longer value', 'client shh-client-secret-2 unknown'],
  ])('redacts a secret echoed %s', (_how, body) => {
    const excerpt = bodyExcerpt(body, secrets);
    for (const secret of ['tok-3f9a8b7c', 'p@ss/word', 'p%40ss%2Fword', 'shh-client-secret']) expect(excerpt).not.toContain(secret);
    expect(excerpt).toContain('[redacted]');
  });

  it('redacts what is shaped like a credential even when it is nobody’s configured one', () => {
    const excerpt = bodyExcerpt('Authorization: Basic dXNlcjpwYXNz; {"apiKey": "zz-999-other", "access_token":"eyJabc.def"} token=abcdef123', []);
    expect(excerpt).not.toMatch(/dXNlcjpwYXNz|zz-999-other|eyJabc\.def|abcdef123/);
  });

  it('is bounded and collapses whitespace', () => {
    const excerpt = bodyExcerpt(`<html>\n  <body>${'x'.repeat(50_000)}</body>\n</html>`, []);
    expect(excerpt.length).toBeLessThanOrEqual(MAX_BODY_EXCERPT);
    expect(excerpt.startsWith('<html> <body>xxx')).toBe(true);
  });
});
