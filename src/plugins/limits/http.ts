import { ApolloServerErrorCode } from '@apollo/server/errors';
import type { CorsOptions } from 'cors';
import type { ErrorRequestHandler } from 'express';
import type { CorsOrigins } from './settings.js';

/** Options for the `cors` middleware in front of /graphql. */
export function corsOptions(origins: CorsOrigins): CorsOptions {
  if (origins === '*') return { origin: '*' };
  // `false` sends no CORS headers at all: browsers refuse cross-origin calls, while
  // same-origin pages and non-browser clients (which ignore CORS) are unaffected.
  if (origins.length === 0) return { origin: false };
  // A listed origin is echoed in Access-Control-Allow-Origin (with `Vary: Origin`); any
  // other gets no such header.
  return { origin: [...origins] };
}

/**
 * What body-parser (behind `express.json`) attaches to the errors it raises. Its own errors carry a
 * `type`; a body that fails to decompress (Content-Encoding gzip/deflate/br that is not) is zlib's
 * error wrapped by http-errors: a status and `expose`, no type. `body` is the raw text that did not parse.
 */
interface BodyParserError {
  type?: string;
  status: number;
  expose?: boolean;
  message: string;
  body?: unknown;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const e = error as Partial<BodyParserError> | null;
  return typeof e === 'object' && e !== null && typeof e.status === 'number' && (typeof e.type === 'string' || e.expose === true);
}

/** Why a body that `express.json` (strict: objects and arrays only) refused is not a GraphQL request. */
function parseFailure(error: BodyParserError): string {
  if (typeof error.body === 'string') {
    try {
      const value: unknown = JSON.parse(error.body.replace(/^\uFEFF/, ''));
      // Valid JSON, but a bare string, number, boolean or null: not a request object.
      return `The request body must be a JSON object (a GraphQL request), not ${value === null ? 'null' : `a ${typeof value}`}.`;
    } catch {
      // Not JSON at all: body-parser's message says where.
    }
  }
  return `The request body is not valid JSON: ${error.message}`;
}

/**
 * Answers a request body that `express.json` refused (too large, not JSON, unknown charset)
 * in the shape of a GraphQL response instead of express's HTML error page, so that GraphQL
 * clients can show the reason. Mount it after the /graphql middleware chain.
 */
export function requestBodyErrors(maxBodyBytes: number): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    // Anything but the client's own mistake (a 5xx, a bug) goes on to express's handler.
    if (res.headersSent || !isBodyParserError(error) || error.status < 400 || error.status > 499) {
      next(error);
      return;
    }
    let message: string;
    switch (error.type) {
      case 'entity.too.large':
        message = `The request body is larger than ${maxBodyBytes} bytes, the most allowed.`;
        break;
      case 'entity.parse.failed':
        message = parseFailure(error);
        break;
      case undefined:
        message = `The request body could not be decoded as Content-Encoding ${JSON.stringify(req.headers['content-encoding'] ?? '')}: ${error.message}`;
        break;
      default:
        message = error.expose ? error.message : 'Bad request.';
    }
    res.status(error.status).json({ errors: [{ message, extensions: { code: ApolloServerErrorCode.BAD_REQUEST } }] });
  };
}
