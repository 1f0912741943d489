import { bodyExcerpt, configuredSecrets, MAX_BODY_EXCERPT, registerSecrets, requestSecrets } from '../../src/http/redact.js';

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

  describe('a secret in every spelling an echo may use', () => {
    // A token with the characters encoders treat differently: + and / (base64), = and ~.
    const token = 'ab+cd/ef=gh~ij+KL';
    // A password with a space, @, *, !, ( and ), non-ASCII.
    const password = 'p@ss w*rd!(x) ü';
    const cases: Array<[string, string]> = [
      ['JSON with \\u002B escapes (System.Text.Json)', `{"echo":"${token.replace(/\+/g, '\\u002B')}"}`],
      ['JSON with lower-case \\u002b and \\/', `{"echo":"${token.replace(/\+/g, '\\u002b').replace(/\//g, '\\/')}"}`],
      ['JSON with every character \\u-escaped', `{"echo":"${[...token].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`).join('')}"}`],
      ['a JSON string inside a JSON string', JSON.stringify(JSON.stringify({ echo: token.replace(/\//g, '\\/') }))],
      ['percent-encoded, upper case', `sent=${encodeURIComponent(token)}`],
      ['percent-encoded, lower case (%2b%2f)', `sent=${encodeURIComponent(token).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`],
      ['an HTML page with character references', `<pre>${token.replace(/\+/g, '&#43;').replace(/\//g, '&#x2F;')}</pre>`],
      ['the password form-encoded by URLSearchParams', `grant=${new URLSearchParams({ pw: password }).toString()}`],
      ['the password form-encoded, lower-case escapes', new URLSearchParams({ pw: password }).toString().replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
      ['the password percent-encoded (encodeURIComponent)', `pw=${encodeURIComponent(password)}`],
      ['the password in JSON with \\u escapes', `{"pw":"${password.replace(/[@ !()ü]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"}`],
    ];
    it.each(cases)('redacts it echoed as %s', (_how, body) => {
      const excerpt = bodyExcerpt(body, [token, password]);
      expect(excerpt).toContain('[redacted]');
      // Nothing of either is left: not the distinctive middle of the token, not a word of the password
      // (the field names here are no credential-looking keys: the secret itself is what is found).
      expect(excerpt).not.toMatch(/cd|ef|gh|KL|rd|ss/i);
    });

    it('leaves text that merely shares a prefix alone', () => {
      expect(bodyExcerpt('ab+cd/e and p@ss', [token, password])).toBe('ab+cd/e and p@ss');
    });
  });

  it('redacts the whole quoted value after a credential-looking key, whatever the quote', () => {
    const excerpt = bodyExcerpt(
      `{"password": "correct horse battery", "apiKey":'a b c d', "detail":"{\\"client_secret\\":\\"one two three\\"}"} <i>token=&quot;four five six&quot;</i> {"secret":"ends \\" here still"}`,
      [],
    );
    expect(excerpt).not.toMatch(/correct|horse|battery|\ba b c d\b|one|two|three|four|five|six|ends|here|still/);
    expect(excerpt).toContain('"password": "[redacted]"');
    expect(excerpt).toContain(`"apiKey":'[redacted]'`);
  });

  it('redacts an unterminated quoted value to the end rather than leak its rest', () => {
    expect(bodyExcerpt('{"password":"correct horse battery', [])).toBe('{"password":"[redacted]');
  });

  it('registerSecrets makes configured credentials known process-wide (shorter ones are ignored)', () => {
    registerSecrets(['configured-key-123456', 'short', undefined]);
    expect(configuredSecrets()).toContain('configured-key-123456');
    expect(configuredSecrets()).not.toContain('short');
    expect(bodyExcerpt('echo configured%2Dkey-123456', configuredSecrets())).toBe('echo [redacted]');
  });
});
