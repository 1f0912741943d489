import type { AuthMode, ResilienceSettings, UpstreamTargets } from '../config.js';
import { DEFAULT_TRANSPORT_SETTINGS, UpstreamTransport, type TransportObserver } from '../http/transport.js';
import { UpstreamCaller, type CallContext } from './call.js';
import type { UpstreamReadCache } from '../cache/upstream-cache.js';
import { missingCredential, staticCredential, type CredentialSource } from './credentials.js';
import { InspectorioClient } from './inspectorio/client.js';
import { IqmetrixClient } from './iqmetrix/client.js';
import { IqmetrixOAuth } from './iqmetrix/oauth.js';

export type { UpstreamTargets } from '../config.js';

export interface UpstreamClients {
  iqmetrix: IqmetrixClient;
  inspectorio: InspectorioClient;
}

export interface UpstreamsOptions {
  targets: UpstreamTargets;
  authMode?: AuthMode;
  resilience?: Partial<ResilienceSettings>;
  observer?: TransportObserver;
  /** Cross-operation cache of successful reads; none: every read goes upstream. */
  cache?: UpstreamReadCache | undefined;
}

/** The caller's headers, as far as pass-through mode reads them. */
export type CallerHeaders = Record<string, string | string[] | undefined>;

/**
 * The long-lived side of the upstreams: one transport (one keep-alive pool, one breaker, one
 * retry budget) per upstream for the life of the process, and the service's credentials.
 * `clientsFor` hands out cheap per-operation clients bound to the right credentials.
 */
export class Upstreams {
  readonly iqmetrix: UpstreamTransport;
  readonly inspectorio: UpstreamTransport;
  private readonly accounts: UpstreamTransport | undefined;
  private readonly authMode: AuthMode;
  private readonly serviceCredentials: { iqmetrix: CredentialSource; inspectorio: CredentialSource } | undefined;
  private readonly cache: UpstreamReadCache | undefined;

  constructor({ targets, authMode = 'service', resilience = {}, observer, cache }: UpstreamsOptions) {
    this.cache = cache;
    const settings = { ...DEFAULT_TRANSPORT_SETTINGS, ...resilience };
    this.authMode = authMode;
    this.iqmetrix = new UpstreamTransport('iqmetrix', { ...settings, url: targets.iqmetrix.url, maxInFlight: targets.iqmetrix.maxInFlight }, observer);
    this.inspectorio = new UpstreamTransport('inspectorio', { ...settings, url: targets.inspectorio.url, maxInFlight: targets.inspectorio.maxInFlight }, observer);
    const { oauth, token } = targets.iqmetrix;
    // The token endpoint gets a small pool of its own: a login must not queue behind the
    // very calls that wait for it.
    this.accounts = oauth ? new UpstreamTransport('iqmetrix', { ...settings, url: oauth.accountsUrl, maxInFlight: 2, maxRetries: 0 }, observer) : undefined;
    if (authMode === 'service') {
      const iqmetrix = oauth && this.accounts ? new IqmetrixOAuth(this.accounts, oauth) : token ? staticCredential('iqmetrix-token', 'authorization', `Bearer ${token}`) : undefined;
      const apiKey = targets.inspectorio.apiKey;
      if (!iqmetrix || !apiKey) throw new Error('service auth mode needs the iQmetrix token (or OAuth settings) and the Inspectorio API key');
      this.serviceCredentials = { iqmetrix, inspectorio: staticCredential('inspectorio-key', 'apikey', apiKey) };
    }
  }

  clientsFor(context: CallContext, callerHeaders: CallerHeaders = {}): UpstreamClients {
    const { iqmetrix, inspectorio } = this.serviceCredentials ?? passThrough(callerHeaders);
    return {
      iqmetrix: new IqmetrixClient(new UpstreamCaller(this.iqmetrix, iqmetrix, context, this.cache)),
      inspectorio: new InspectorioClient(new UpstreamCaller(this.inspectorio, inspectorio, context, this.cache)),
    };
  }

  /** True when credentials come from each caller (responses must then be private). */
  get perCallerCredentials(): boolean {
    return this.authMode === 'passthrough';
  }

  async close(): Promise<void> {
    await Promise.all([this.iqmetrix.close(), this.inspectorio.close(), this.accounts?.close()]);
  }
}

function header(headers: CallerHeaders, name: string): string | undefined {
  const value = headers[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
}

/** The caller's own credentials, each only to the upstream it is meant for. */
function passThrough(headers: CallerHeaders): { iqmetrix: CredentialSource; inspectorio: CredentialSource } {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '')?.[1];
  const apiKey = header(headers, 'x-inspectorio-api-key');
  return {
    iqmetrix: bearer ? staticCredential('iqmetrix-token', 'authorization', `Bearer ${bearer}`) : missingCredential('iqmetrix', 'send `Authorization: Bearer <iQmetrix token>`'),
    inspectorio: apiKey ? staticCredential('inspectorio-key', 'apikey', apiKey) : missingCredential('inspectorio', 'send `X-Inspectorio-Api-Key: <key>`'),
  };
}
