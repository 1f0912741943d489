import { ErrorCode, UpstreamError, UpstreamShapeError } from '../errors.js';
import type { UpstreamRequest, UpstreamTransport } from '../http/transport.js';
import type { CredentialSource } from './credentials.js';

/** Per-operation facts every upstream call needs. */
export interface CallContext {
  /** Aborted at the operation's deadline. */
  signal?: AbortSignal | undefined;
  /** The operation's deadline (epoch ms); retries never wait past it. */
  deadline?: number | undefined;
  /** Told of every upstream call this operation makes (for logs and tests). */
  onCall?: ((upstream: string, route: string) => void) | undefined;
}

/**
 * An authenticated JSON GET, mapped to the domain: adds the credential's headers, repeats
 * the call once when a 401 leads to a renewed credential, and turns a body of the wrong
 * shape into UPSTREAM_UNAVAILABLE instead of a crash further down.
 */
export async function getMapped<T>(
  transport: UpstreamTransport,
  credentials: CredentialSource,
  context: CallContext,
  request: Pick<UpstreamRequest, 'route' | 'path'>,
  map: (body: unknown) => T,
): Promise<T> {
  const send = async () => {
    const headers = await credentials.headers(context.signal);
    context.onCall?.(transport.upstream, request.route);
    const full: UpstreamRequest = { ...request, headers: { accept: 'application/json', ...headers }, signal: context.signal, deadline: context.deadline };
    return { headers, full, response: await transport.exchange(full) };
  };

  let { headers, full, response } = await send();
  if (response.status === 401 && credentials.renew && (await credentials.renew(headers, context.signal))) {
    ({ full, response } = await send());
  }
  if (response.status < 200 || response.status >= 300) throw transport.statusFailure(full, response);
  const body = transport.parseJson(full, response);
  try {
    return map(body);
  } catch (error) {
    if (!(error instanceof UpstreamShapeError)) throw error;
    throw new UpstreamError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      transport.upstream,
      `${transport.upstream} answered ${request.route} with an unexpected shape: ${error.message}`,
      { upstreamStatus: response.status, cause: error },
    );
  }
}
