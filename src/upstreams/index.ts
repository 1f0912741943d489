import type { AuthMode, ResilienceSettings, UpstreamTargets } from '../config.js';
import type { UpstreamName } from '../errors.js';
import type { InFlightLimiter } from '../http/concurrency/types.js';
import { DEFAULT_TRANSPORT_SETTINGS, UpstreamTransport, type BreakerState, type TransportObserver } from '../http/transport.js';
import { registerSecrets } from '../http/redact.js';
import { UpstreamCaller, type CallContext } from './call.js';
import type { UpstreamReadCache } from '../cache/upstream-cache.js';
import { SharedReads } from '../cache/shared-reads.js';
import { missingCredential, noCredential, staticCredential, type CredentialSource } from './credentials.js';
import { transportHooks, type CallerHeaders, type UpstreamDefinition } from './definition.js';
import { InspectorioClient } from './inspectorio/client.js';
import { INSPECTORIO, type InspectorioDefinition } from './inspectorio/definition.js';
import { IqmetrixClient } from './iqmetrix/client.js';
import { IQMETRIX, type IqmetrixDefinition } from './iqmetrix/definition.js';
import { IqmetrixOAuth } from './iqmetrix/oauth.js';

export type { UpstreamTargets } from '../config.js';
export type { CallerHeaders } from './definition.js';

/** The definitions of the upstreams the graph is built on (tests and tools check every built-in table through it). */
export const BUILT_IN_UPSTREAMS: readonly UpstreamDefinition[] = [IQMETRIX, INSPECTORIO];

/**
 * The definitions a gateway with these options registers, in order: iQmetrix and Inspectorio
 * (or their replacements), then the added upstreams. startGateway derives the routes' cache
 * lifetimes from them.
 */
export function registeredDefinitions(definitions: UpstreamsOptions['definitions'] = {}, extra: readonly ExtraUpstream[] = []): UpstreamDefinition[] {
  return [definitions.iqmetrix ?? IQMETRIX, definitions.inspectorio ?? INSPECTORIO, ...extra.map((upstream) => upstream.definition)];
}

/**
 * An upstream added beside the built-in two (docs/architecture.md, "How to add an upstream"):
 * its definition, where it is, and what credential each operation's calls carry.
 */
export interface ExtraUpstream {
  definition: UpstreamDefinition;
  /** Base URL; request paths are appended to it. */
  url: string;
  /** Requests in flight at most, a whole number from 1 to the definition's `maxInFlight.max`. Default: its `maxInFlight.default`. */
  maxInFlight?: number;
  /** The credential of one operation's calls, from the caller's headers. Default: none (no headers sent). */
  credentials?: (callerHeaders: CallerHeaders) => CredentialSource;
}

/** One operation's clients, bound to its credentials, deadline and the shared cache. */
export interface UpstreamClients {
  iqmetrix: IqmetrixClient;
  inspectorio: InspectorioClient;
  /** A caller for any upstream of this gateway, by its definition; throws RangeError for one it does not have. */
  caller<D extends UpstreamDefinition>(definition: D): UpstreamCaller<D>;
}

export interface UpstreamsOptions {
  targets: UpstreamTargets;
  authMode?: AuthMode;
  /** The UPSTREAM_* settings: every route's defaults. */
  resilience?: Partial<ResilienceSettings>;
  observer?: TransportObserver;
  /** Cross-operation cache of successful reads; none: every read goes upstream. */
  cache?: UpstreamReadCache | undefined;
  /**
   * Replacements of the built-in definitions, e.g. `withRoutes(IQMETRIX, { company: { policy } })`:
   * the same routes with other policies, circuits or lifetimes.
   */
  definitions?: { iqmetrix?: IqmetrixDefinition; inspectorio?: InspectorioDefinition };
  /** Upstreams beyond the built-in two. */
  extra?: readonly ExtraUpstream[];
  /**
   * The in-flight cap of each upstream (e.g. one shared by every replica). Undefined, or a
   * function answering undefined: the upstream's keep-alive pool caps it at `maxInFlight`.
   */
  limiter?: (upstream: UpstreamName, maxInFlight: number) => InFlightLimiter | undefined;
}

interface Registered {
  definition: UpstreamDefinition;
  transport: UpstreamTransport;
  /** The extra upstream's credential rule; undefined for the built-in two. */
  credentials?: (callerHeaders: CallerHeaders) => CredentialSource;
}

/**
 * The long-lived side of the upstreams: one transport (one keep-alive pool, one breaker, one
 * retry budget) per upstream for the life of the process, and the service's credentials.
 * `clientsFor` hands out cheap per-operation clients bound to the right credentials.
 */
export class Upstreams {
  private readonly registered = new Map<string, Registered>();
  private readonly iqmetrixDefinition: IqmetrixDefinition;
  private readonly inspectorioDefinition: InspectorioDefinition;
  private readonly accounts: UpstreamTransport | undefined;
  private readonly authMode: AuthMode;
  private readonly serviceCredentials: { iqmetrix: CredentialSource; inspectorio: CredentialSource } | undefined;
  private readonly cache: UpstreamReadCache | undefined;
  /** Upstream reads in flight, shared by the operations that need the same one at once (cache on or off). */
  readonly sharedReads = new SharedReads();

  constructor({ targets, authMode = 'service', resilience = {}, observer, cache, definitions = {}, extra = [], limiter }: UpstreamsOptions) {
    this.cache = cache;
    this.authMode = authMode;
    this.iqmetrixDefinition = definitions.iqmetrix ?? IQMETRIX;
    this.inspectorioDefinition = definitions.inspectorio ?? INSPECTORIO;
    const names = registeredDefinitions(definitions, extra).map((definition) => definition.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw new RangeError(`two upstreams are named ${JSON.stringify(twice)}: each needs a name of its own`);
    const settings = { ...DEFAULT_TRANSPORT_SETTINGS, ...resilience };
    // Every configured credential, for every transport: an upstream (or a proxy) echoing any of
    // them in an error body must not carry it into the log.
    const { oauth, token } = targets.iqmetrix;
    const secrets = [token, targets.inspectorio.apiKey, oauth?.clientSecret, oauth?.password].filter((s): s is string => typeof s === 'string' && s !== '');
    // And out of logged upstream values, which are read where no request is at hand (src/domain/checked.ts).
    registerSecrets(secrets);
    const transport = (definition: UpstreamDefinition, url: string, maxInFlight: number) =>
      new UpstreamTransport(definition.name, { ...settings, url, maxInFlight }, observer, {
        ...transportHooks(definition),
        limiter: limiter?.(definition.name, maxInFlight),
        secrets,
        credentialHeaders: credentialHeaders(definition),
      });

    const add = (entry: Registered) => this.registered.set(entry.definition.name, entry);
    add({ definition: this.iqmetrixDefinition, transport: transport(this.iqmetrixDefinition, targets.iqmetrix.url, targets.iqmetrix.maxInFlight) });
    add({ definition: this.inspectorioDefinition, transport: transport(this.inspectorioDefinition, targets.inspectorio.url, targets.inspectorio.maxInFlight) });
    for (const upstream of extra) {
      add({
        definition: upstream.definition,
        transport: transport(upstream.definition, checkedUrl(upstream), checkedMaxInFlight(upstream)),
        credentials: upstream.credentials ?? (() => noCredential),
      });
    }

    // The token endpoint gets a small pool of its own: a login must not queue behind the
    // very calls that wait for it.
    this.accounts = oauth
      ? new UpstreamTransport(this.iqmetrixDefinition.name, { ...settings, url: oauth.accountsUrl, maxInFlight: 2, maxRetries: 0 }, observer, {
          ...transportHooks(this.iqmetrixDefinition),
          secrets,
          credentialHeaders: credentialHeaders(this.iqmetrixDefinition),
        })
      : undefined;
    if (authMode === 'service') {
      const iqmetrix = oauth && this.accounts ? new IqmetrixOAuth(this.accounts, oauth) : token ? secretCredential(this.iqmetrixDefinition, token) : undefined;
      const apiKey = targets.inspectorio.apiKey;
      if (!iqmetrix || !apiKey) throw new Error('service auth mode needs the iQmetrix token (or OAuth settings) and the Inspectorio API key');
      this.serviceCredentials = { iqmetrix, inspectorio: secretCredential(this.inspectorioDefinition, apiKey) };
    }
  }

  /** iQmetrix's transport. */
  get iqmetrix(): UpstreamTransport {
    return this.transport(this.iqmetrixDefinition.name);
  }

  /** Inspectorio's transport. */
  get inspectorio(): UpstreamTransport {
    return this.transport(this.inspectorioDefinition.name);
  }

  /** The transport of any upstream by name; throws RangeError for one this gateway does not have. */
  transport(name: string): UpstreamTransport {
    const entry = this.registered.get(name);
    if (!entry) throw new RangeError(`no upstream named ${JSON.stringify(name)}; known: ${[...this.registered.keys()].join(', ')}`);
    return entry.transport;
  }

  /** Each upstream's base URL (no credentials, no query), by upstream name, in registration order. */
  baseUrls(): Record<UpstreamName, string> {
    return Object.fromEntries([...this.registered].map(([name, entry]) => [name, entry.transport.baseUrl]));
  }

  /** Each upstream's circuit, by upstream name (for /readyz and the breaker gauge). */
  breakerStates(): Record<UpstreamName, BreakerState> {
    return Object.fromEntries([...this.registered].map(([name, entry]) => [name, entry.transport.breakerState]));
  }

  clientsFor(context: CallContext, callerHeaders: CallerHeaders = {}): UpstreamClients {
    const builtIn = this.serviceCredentials ?? {
      iqmetrix: callerCredential(this.iqmetrixDefinition, callerHeaders),
      inspectorio: callerCredential(this.inspectorioDefinition, callerHeaders),
    };
    const callers = new Map<string, UpstreamCaller>();
    const caller = <D extends UpstreamDefinition>(definition: D): UpstreamCaller<D> => {
      let made = callers.get(definition.name);
      if (!made) {
        const entry = this.registered.get(definition.name);
        if (!entry || entry.definition.routes !== definition.routes) {
          throw new RangeError(
            `upstream ${JSON.stringify(definition.name)} is not registered with this gateway: add it to startGateway's \`extensions\`, or pass the very definition it was started with`,
          );
        }
        const credentials =
          entry.credentials?.(callerHeaders) ?? (definition.name === this.iqmetrixDefinition.name ? builtIn.iqmetrix : builtIn.inspectorio);
        made = new UpstreamCaller(entry.definition, entry.transport, credentials, context, this.cache, this.sharedReads);
        callers.set(definition.name, made);
      }
      return made as unknown as UpstreamCaller<D>;
    };
    return {
      iqmetrix: new IqmetrixClient(caller(this.iqmetrixDefinition)),
      inspectorio: new InspectorioClient(caller(this.inspectorioDefinition)),
      caller,
    };
  }

  /** True when credentials come from each caller (responses must then be private). */
  get perCallerCredentials(): boolean {
    return this.authMode === 'passthrough';
  }

  async close(): Promise<void> {
    await Promise.all([...[...this.registered.values()].map((entry) => entry.transport.close()), this.accounts?.close()]);
  }
}

/** The upstream's own credential header, for redaction in logged bodies. */
function credentialHeaders(definition: UpstreamDefinition): string[] {
  return definition.credential ? [definition.credential.header.toLowerCase()] : [];
}

/** A configured secret, sent as the definition's credential scheme says. */
function secretCredential(definition: UpstreamDefinition, secret: string): CredentialSource {
  const scheme = definition.credential;
  if (!scheme) throw new Error(`upstream ${JSON.stringify(definition.name)} has no credential scheme in its definition`);
  return staticCredential(`${definition.name}-credential`, scheme.header, scheme.value(secret));
}

/** Pass-through mode: the caller's own credential for this upstream only, or the failure that says how to send it. */
function callerCredential(definition: UpstreamDefinition, headers: CallerHeaders): CredentialSource {
  const scheme = definition.credential;
  if (!scheme) return noCredential;
  const secret = scheme.fromCaller(headers);
  return secret ? secretCredential(definition, secret) : missingCredential(definition.name, scheme.howToSend);
}

/** An added upstream's `url`, checked as config checks a built-in's (absolute http(s), the definition's checkUrl). */
function checkedUrl({ definition, url }: ExtraUpstream): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(`upstream ${JSON.stringify(definition.name)}: url must be an absolute http(s) URL (got ${JSON.stringify(url)})`);
  }
  const complaint = !/^https?:$/.test(parsed.protocol) ? 'must be an http(s) URL' : parsed.search || parsed.hash ? 'must not have a query string or fragment' : definition.checkUrl?.(parsed);
  if (complaint) throw new RangeError(`upstream ${JSON.stringify(definition.name)}: url ${complaint} (got ${JSON.stringify(url)})`);
  return url;
}

/** An added upstream's cap: a whole number from 1 to its definition's `maxInFlight.max`. */
function checkedMaxInFlight({ definition, maxInFlight = definition.maxInFlight.default }: ExtraUpstream): number {
  const { max } = definition.maxInFlight;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > max) {
    throw new RangeError(`upstream ${JSON.stringify(definition.name)}: maxInFlight must be a whole number from 1 to ${max} (got ${maxInFlight})`);
  }
  return maxInFlight;
}
