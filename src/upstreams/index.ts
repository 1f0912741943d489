import { DEFAULT_TRANSPORT_SETTINGS, UpstreamTransport } from '../http/transport.js';
import type { CallContext } from './call.js';
import { staticCredential, type CredentialSource } from './credentials.js';
import { InspectorioClient } from './inspectorio/client.js';
import { IqmetrixClient } from './iqmetrix/client.js';

/** Where the upstreams are and how to authenticate, resolved at start (real or simulated). */
export interface UpstreamTargets {
  iqmetrix: { url: string; token: string; maxInFlight: number };
  inspectorio: { url: string; apiKey: string; maxInFlight: number };
}

export interface UpstreamClients {
  iqmetrix: IqmetrixClient;
  inspectorio: InspectorioClient;
}

/**
 * The long-lived side of the upstreams: one transport (and so one keep-alive pool) per
 * upstream for the life of the process. `clientsFor` hands out cheap per-operation clients.
 */
export class Upstreams {
  readonly iqmetrix: UpstreamTransport;
  readonly inspectorio: UpstreamTransport;
  private readonly iqmetrixCredential: CredentialSource;
  private readonly inspectorioCredential: CredentialSource;

  constructor(targets: UpstreamTargets) {
    this.iqmetrix = new UpstreamTransport('iqmetrix', { ...DEFAULT_TRANSPORT_SETTINGS, url: targets.iqmetrix.url, maxInFlight: targets.iqmetrix.maxInFlight });
    this.inspectorio = new UpstreamTransport('inspectorio', {
      ...DEFAULT_TRANSPORT_SETTINGS,
      url: targets.inspectorio.url,
      maxInFlight: targets.inspectorio.maxInFlight,
    });
    this.iqmetrixCredential = staticCredential('iqmetrix-token', 'authorization', `Bearer ${targets.iqmetrix.token}`);
    this.inspectorioCredential = staticCredential('inspectorio-key', 'apikey', targets.inspectorio.apiKey);
  }

  clientsFor(context: CallContext): UpstreamClients {
    return {
      iqmetrix: new IqmetrixClient(this.iqmetrix, this.iqmetrixCredential, context),
      inspectorio: new InspectorioClient(this.inspectorio, this.inspectorioCredential, context),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.iqmetrix.close(), this.inspectorio.close()]);
  }
}
