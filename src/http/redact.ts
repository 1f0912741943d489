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
// `"access_token": "…"`, `password: …`).
const SCHEME_TOKEN = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{4,}/gi;
const KEYED_VALUE =
  /((?:api[-_ ]?key|access[-_]?token|refresh[-_]?token|id[-_]?token|token|client[-_]?secret|password|passwd|secret|authorization)["']?\s*[:=]\s*["']?)(?!\[redacted\])([^\s"'&,;<>}]+)/gi;

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
 * their plain and percent-encoded spellings) and every credential-shaped text replaced by
 * `[redacted]`, then cut to MAX_BODY_EXCERPT characters.
 */
export function bodyExcerpt(body: string, secrets: Iterable<string | undefined>): string {
  let text = body.slice(0, MAX_SCANNED);
  const values = new Set<string>();
  for (const secret of secrets) {
    if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
    values.add(secret);
    values.add(encodeURIComponent(secret));
    values.add(JSON.stringify(secret).slice(1, -1));
  }
  // Longest first, so that a secret containing another is taken out whole.
  for (const value of [...values].sort((a, b) => b.length - a.length)) text = text.split(value).join(REDACTED);
  text = text.replace(SCHEME_TOKEN, `$1$2${REDACTED}`).replace(KEYED_VALUE, `$1${REDACTED}`);
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_BODY_EXCERPT ? `${text.slice(0, MAX_BODY_EXCERPT - 1)}…` : text;
}
