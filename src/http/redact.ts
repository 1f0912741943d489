// What of an upstream's error body may be logged, and never what: upstream error bodies are
// the upstream's (or a proxy's) text, not ours. They may name internal hosts, and they may echo
// the very credential the request carried. So no client message ever quotes one
// (src/http/failures.ts), and the log gets a bounded excerpt with every credential taken out:
// the values this request sent (its credential headers, a token grant's form fields), the
// configured secrets, and anything shaped like a credential (`Bearer …`, `apiKey: …`).

/** Longest excerpt of an upstream body written to the log, in characters. */
export const MAX_BODY_EXCERPT = 512;
/** How much of a body is looked at at all: redaction runs over this much before the excerpt is cut. */
const MAX_SCANNED = 16 * 1024;
/** Shorter values are not treated as secrets: redacting "1" or "ok" everywhere would ruin the excerpt and protect nothing. */
const MIN_SECRET_LENGTH = 6;

const REDACTED = '[redacted]';

/**
 * Header names whose values are credentials, lower case: the common spellings. Each upstream's
 * own credential header (its definition's `credential.header`) is added by the caller.
 */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'apikey', 'x-api-key', 'cookie']);
/** Form fields of a token request whose values are credentials. */
const CREDENTIAL_FIELDS = new Set(['password', 'client_secret', 'refresh_token', 'access_token', 'code', 'assertion', 'client_assertion']);

// Shapes of credentials, whoever's they are: an auth scheme and its token; a credential-like
// key followed by its value, in JSON, a query string, a header line or prose (`apiKey=…`,
// `"access_token": "…"`, `password: …`). A quoted value is taken out whole, up to its closing
// quote (`"password": "correct horse battery"`), whichever quote an echo uses: `"`, `'`, a JSON
// string inside a JSON string (`\"…\"`) or HTML's `&quot;`.
const SCHEME_TOKEN = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi;
const CREDENTIAL_KEY = String.raw`(?:api[-_ ]?key|access[-_]?token|refresh[-_]?token|id[-_]?token|token|client[-_]?secret|password|passwd|secret|authorization)`;
const QUOTED_VALUE = String.raw`\\+"[\s\S]*?(?:\\+"|$)|"(?:[^"\\]|\\[\s\S])*"?|'[^']*'?|&quot;[\s\S]*?(?:&quot;|$)`;
const KEYED_VALUE = new RegExp(String.raw`(${CREDENTIAL_KEY}(?:\\*["']|&quot;)?\s*[:=]\s*)(${QUOTED_VALUE}|(?!\[redacted\])[^\s"'&,;<>}]+)`, 'gi');

/** A credential-like key's value redacted, its quotes (if any) kept so that the excerpt still reads as what it was. */
function redactedValue(value: string): string {
  const open = /^(?:\\+"|"|'|&quot;)/.exec(value)?.[0];
  if (!open) return REDACTED;
  return `${open}${REDACTED}${value.length > open.length && value.endsWith(open) ? open : ''}`;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const JSON_SHORT_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };
const HTML_NAMED: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos', '+': 'plus', '/': 'sol', '=': 'equals' };

/**
 * A pattern for one character in every spelling an upstream or a proxy may echo it in: as is;
 * percent-encoded (its UTF-8 bytes, either case: encodeURIComponent, URLSearchParams, a lower-case
 * encoder); a space as form encoding's `+`; JSON-escaped (`\uXXXX` of each UTF-16 unit in either
 * case, as System.Text.Json writes `+` and `<`; the short escapes, `\/` among them), with any
 * number of backslashes for a JSON string inside a JSON string; an HTML character reference.
 * The pattern is matched case-insensitively, so a case variant of a secret is taken out too.
 */
function characterPattern(ch: string): string {
  const spellings = new Set<string>([escapeRegExp(ch)]);
  spellings.add([...Buffer.from(ch, 'utf8')].map((byte) => `%${hex(byte, 2)}`).join(''));
  if (ch === ' ') spellings.add(String.raw`\+`);
  const units = Array.from({ length: ch.length }, (_, i) => ch.charCodeAt(i));
  spellings.add(units.map((unit) => String.raw`\\+u${hex(unit, 4)}`).join(''));
  const short = JSON_SHORT_ESCAPES[ch];
  if (short !== undefined) spellings.add(String.raw`\\+` + escapeRegExp(short));
  const codePoint = ch.codePointAt(0)!;
  spellings.add(`&#0*${codePoint};`);
  spellings.add(`&#x0*${hex(codePoint, 1)};`);
  const named = HTML_NAMED[ch];
  if (named) spellings.add(`&${named};`);
  return `(?:${[...spellings].join('|')})`;
}

/** Patterns that match a secret in any mix of its spellings, by secret (bounded: secrets are few, but pass-through callers bring their own). */
const secretPatterns = new Map<string, RegExp>();
function secretPattern(secret: string): RegExp {
  let pattern = secretPatterns.get(secret);
  if (!pattern) {
    if (secretPatterns.size >= 1000) secretPatterns.clear();
    pattern = new RegExp([...secret].map(characterPattern).join(''), 'gi');
    secretPatterns.set(secret, pattern);
  }
  return pattern;
}

/** The configured credentials of every upstream of this process (registerSecrets), newest last. */
const configured = new Set<string>();
const MAX_CONFIGURED = 100;

/**
 * Registers configured credentials (tokens, API keys, client secrets, passwords) for the whole
 * process: logged upstream values (src/domain/checked.ts) are redacted with them too, though no
 * request is at hand where such a value is read. Values shorter than the secret minimum are ignored.
 */
export function registerSecrets(values: Iterable<string | undefined>): void {
  for (const value of values) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    configured.delete(value);
    configured.add(value);
    if (configured.size > MAX_CONFIGURED) configured.delete(configured.values().next().value!);
  }
}

/** The credentials registerSecrets was given. */
export function configuredSecrets(): readonly string[] {
  return [...configured];
}

/**
 * The credential values one request carried, to be taken out of whatever the upstream answered.
 * `credentialHeaders`: the upstream's own credential header names (lower case), beside the common ones.
 */
export function requestSecrets(headers: Record<string, string> | undefined, body: string | undefined, credentialHeaders: readonly string[] = []): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (!CREDENTIAL_HEADERS.has(lower) && !credentialHeaders.includes(lower)) continue;
    secrets.push(value);
    // `Bearer abc`: the token alone may be echoed too.
    const token = /^\S+\s+(\S+)$/.exec(value)?.[1];
    if (token) secrets.push(token);
  }
  if (body) {
    try {
      for (const [name, value] of new URLSearchParams(body)) if (CREDENTIAL_FIELDS.has(name)) secrets.push(value);
    } catch {
      // Not a form: nothing to take from it.
    }
  }
  return secrets;
}

/**
 * A bounded excerpt of `body` for the log: whitespace collapsed, every secret (exact values, in
 * any mix of their spellings: raw, percent- and form-encoded, JSON-escaped, HTML references)
 * and every credential-shaped text replaced by `[redacted]`, then cut to MAX_BODY_EXCERPT characters.
 */
export function bodyExcerpt(body: string, secrets: Iterable<string | undefined>): string {
  let text = body.slice(0, MAX_SCANNED);
  const values = new Set<string>();
  for (const secret of secrets) if (secret && secret.length >= MIN_SECRET_LENGTH) values.add(secret);
  // Longest first, so that a secret containing another is taken out whole.
  for (const value of [...values].sort((a, b) => b.length - a.length)) text = text.replace(secretPattern(value), REDACTED);
  text = text.replace(SCHEME_TOKEN, `$1$2${REDACTED}`).replace(KEYED_VALUE, (_match, key: string, value: string) => key + redactedValue(value));
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_BODY_EXCERPT ? `${text.slice(0, MAX_BODY_EXCERPT - 1)}…` : text;
}
