// The edge in front of /graphql: who may call (JWT), how often (rate limit) and what (trusted
// documents), each decided before Apollo Server parses the request, so that a refusal is an
// HTTP status and no resolver or upstream call ever runs for it. Wired in src/server.ts.
export { callerOf, jwtAuthentication, type Caller } from './auth/index.js';
export { rateLimit, type RateLimit } from './rate-limit/index.js';
export { countRefusals } from './refusals.js';
export { noServiceSdl } from './service-sdl.js';
export { JWT_ALGORITHMS, PASSTHROUGH_JWT_HEADER, type EdgeSettings, type JwtAuthSettings, type RateLimitSettings, type TrustedDocumentsSettings } from './settings.js';
export { loadManifest, ManifestError, sha256Hex, trustedDocuments, type TrustedDocuments } from './trusted-documents/index.js';
