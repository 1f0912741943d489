import { UpstreamError, UpstreamShapeError } from '../../errors.js';
import { tokenMalformedFailure, tokenNotReadyFailure, tokenRefusedFailure } from '../../http/failures.js';
import type { UpstreamTransport } from '../../http/transport.js';
import { untilAborted } from '../../http/abort.js';
import { fingerprint, type CredentialSource } from '../credentials.js';
import { IQMETRIX } from './definition.js';
import type { TokenGrant } from './token-grant.js';

export interface IqmetrixOAuthSettings {
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
}

interface Token {
  accessToken: string;
  refreshToken: string | undefined;
  /** Epoch ms after which the token is renewed before use. */
  renewAt: number;
}

/**
 * The service's iQmetrix token via the OAuth password grant, kept fresh: fetched on first
 * use, refreshed with the refresh token shortly before it expires, a fresh login when the
 * refresh token is refused. However many calls need a token at once, one grant request is
 * made (they all wait on the same promise).
 */
export class IqmetrixOAuth implements CredentialSource {
  readonly fingerprint: string;
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;

  constructor(
    /** Transport to the accounts service (IQMETRIX_ACCOUNTS_URL). */
    private readonly accounts: UpstreamTransport,
    private readonly settings: IqmetrixOAuthSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.fingerprint = fingerprint('iqmetrix-oauth', `${settings.clientId}\u0000${settings.username}`);
  }

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    const token = this.token && this.now() < this.token.renewAt ? this.token : await this.sharedGrant(signal);
    return { authorization: `Bearer ${token.accessToken}` };
  }

  async renew(rejected: Record<string, string>, signal?: AbortSignal): Promise<boolean> {
    // Another call may have renewed the token since this one was sent: then just retry.
    if (this.token && rejected.authorization !== `Bearer ${this.token.accessToken}`) return true;
    if (this.token) this.token.renewAt = 0;
    await this.sharedGrant(signal);
    return true;
  }

  /**
   * Waits for the shared grant, but no longer than this caller's own deadline: the grant goes
   * on for the others (it is bounded by the transport's timeouts).
   */
  private sharedGrant(signal: AbortSignal | undefined): Promise<Token> {
    return untilAborted(this.renewToken(), signal, { reason: () => tokenNotReadyFailure(IQMETRIX.name) });
  }

  private renewToken(): Promise<Token> {
    this.pending ??= this.obtain().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async obtain(): Promise<Token> {
    const { clientId, clientSecret, username, password } = this.settings;
    const refreshToken = this.token?.refreshToken;
    if (refreshToken) {
      try {
        return (this.token = await this.grant({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, client_secret: clientSecret }));
      } catch (error) {
        // A refused refresh token (revoked, expired) calls for a fresh login; anything else
        // (the accounts service being down) is reported as it is.
        if (!(error instanceof UpstreamError && error.upstreamStatus === 400)) throw error;
      }
    }
    return (this.token = await this.grant({ grant_type: 'password', username, password, client_id: clientId, client_secret: clientSecret }));
  }

  private async grant(form: Record<string, string>): Promise<Token> {
    const route = IQMETRIX.routes.token;
    const request = {
      route: route.name,
      path: route.path(),
      method: route.method,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    };
    const issuedAt = this.now();
    const response = await this.accounts.exchange(request);
    if (response.status !== 200) {
      this.accounts.reportErrorBody(request, response);
      throw tokenRefusedFailure(IQMETRIX.name, request.route, response);
    }
    let grant: TokenGrant;
    try {
      grant = route.map(this.accounts.parseJson(request, response));
    } catch (error) {
      if (error instanceof UpstreamShapeError) throw tokenMalformedFailure(IQMETRIX.name, response.status);
      throw error;
    }
    const lifetimeMs = grant.expiresInSeconds * 1000;
    // Renew a little before expiry (a tenth of the lifetime, at most a minute) so that calls
    // in flight never carry a token that expires on the way.
    const margin = Math.min(60_000, lifetimeMs / 10);
    return { accessToken: grant.accessToken, refreshToken: grant.refreshToken, renewAt: issuedAt + lifetimeMs - margin };
  }
}

