import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { INSPECTORIO, INSPECTORIO_MAX_EXTERNAL_IDS, INSPECTORIO_MAX_LIMIT } from '../upstreams/inspectorio/definition.js';
import type { InspErrorBody, InspOrganization, InspPage, InspRelationshipList } from '../upstreams/inspectorio/wire.js';
import type { FaultController, FaultSpec, RequestLog } from './control.js';
import type { SimDataset } from './dataset.js';
import { idPathMatcher, parseIntegerId, pathOf, sendJson, sendRaw, startSimServer, type RouteMatch, type SimContext } from './http.js';

/** Routes, names and paths straight from the gateway's route table (src/upstreams/inspectorio/definition.ts). */
const ROUTES = INSPECTORIO.routes;

export const SIM_INSPECTORIO_API_KEY = 'sim-inspectorio-key';
const DEFAULT_LIMIT = 10;
/** The only errorCode the docs show; clients must not depend on it. */
const ERROR_CODE = 'Generic';

export interface InspectorioSimOptions {
  dataset: SimDataset;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default ['sim-inspectorio-key']. */
  apiKeys?: string[];
  latencyMs?: number;
}

export interface InspectorioKeyScope {
  /** Organizations this key may see: others answer 403 and are left out of lists. */
  organizations?: number[];
}

export interface InspectorioSim {
  /** `http://host:port`, no version: what INSPECTORIO_URL would be. */
  url: string;
  requests: RequestLog;
  faults: FaultController;
  addApiKey(key: string, scope?: InspectorioKeyScope): void;
  close(): Promise<void>;
}

interface ApiKey {
  organizations: Set<number> | undefined;
}

function errorBody(message: string, errors?: Record<string, string[]>): InspErrorBody {
  return errors ? { errorCode: ERROR_CODE, message, errors } : { errorCode: ERROR_CODE, message };
}

function apiKeyOf(req: IncomingMessage): string | undefined {
  const value = req.headers.apikey;
  return Array.isArray(value) ? value[0] : value;
}

/** `offset` ≥ 0 (default 0) and `limit` 1–100 (default 10); every problem is reported, as a 422 would. */
function paging(url: URL, errors: Record<string, string[]>): { offset: number; limit: number } {
  const read = (name: string, fallback: number, min: number, max: number) => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      errors[name] = [max === Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer between ${min} and ${max}`];
      return fallback;
    }
    return value;
  };
  return { offset: read('offset', 0, 0, Number.MAX_SAFE_INTEGER), limit: read('limit', DEFAULT_LIMIT, 1, INSPECTORIO_MAX_LIMIT) };
}

export async function startInspectorioSim(opts: InspectorioSimOptions): Promise<InspectorioSim> {
  const { dataset } = opts;
  const apiKeys = new Map<string, ApiKey>();
  const addApiKey = (key: string, scope?: InspectorioKeyScope) => {
    apiKeys.set(key, { organizations: scope?.organizations ? new Set(scope.organizations) : undefined });
  };
  for (const key of opts.apiKeys ?? [SIM_INSPECTORIO_API_KEY]) addApiKey(key);

  const byId = [...dataset.organizations.values()].sort((a, b) => a.id - b.id);
  const byExternalId = new Map<string, InspOrganization[]>();
  for (const org of byId) {
    if (org.externalId === null) continue;
    const list = byExternalId.get(org.externalId);
    if (list) list.push(org);
    else byExternalId.set(org.externalId, [org]);
  }

  const matchRelationships = idPathMatcher(ROUTES.organizationRelationships.path);
  const matchOrganization = idPathMatcher(ROUTES.organization.path);
  const organizationsPath = pathOf(ROUTES.organizations.path([]));
  const relationshipTypesPath = pathOf(ROUTES.relationshipTypes.path());
  const contactRolesPath = pathOf(ROUTES.contactRoles.path());

  const match = (method: string, pathname: string): RouteMatch | undefined => {
    if (method !== 'GET') return undefined;
    if (pathname === organizationsPath) return { name: ROUTES.organizations.name };
    if (pathname === relationshipTypesPath) return { name: ROUTES.relationshipTypes.name };
    if (pathname === contactRolesPath) return { name: ROUTES.contactRoles.name };
    let id = matchRelationships(pathname);
    if (id !== undefined) return { name: ROUTES.organizationRelationships.name, id };
    id = matchOrganization(pathname);
    if (id !== undefined) return { name: ROUTES.organization.name, id };
    return undefined;
  };

  /** Resolves the path's organization for a key, or answers the error and returns undefined. */
  const organizationFor = (ctx: SimContext, key: ApiKey): number | undefined => {
    const id = parseIntegerId(ctx.match?.id);
    if (id === undefined) {
      sendJson(ctx.res, 400, errorBody(`organizationId must be an integer, got '${ctx.match?.id}'`));
      return undefined;
    }
    // Scope before existence, so a scoped key cannot probe which ids exist.
    if (key.organizations && !key.organizations.has(id)) {
      sendJson(ctx.res, 403, errorBody('You do not have permission to access this organization'));
      return undefined;
    }
    if (!dataset.organizations.has(id)) {
      sendJson(ctx.res, 404, errorBody(`Organization ${id} not found`));
      return undefined;
    }
    return id;
  };

  const serveOrganizations = (ctx: SimContext, key: ApiKey) => {
    const errors: Record<string, string[]> = {};
    const { offset, limit } = paging(ctx.url, errors);
    const filter = ctx.url.searchParams.getAll('externalId');
    let values: string[] | undefined;
    if (filter.length > 0) {
      values = filter.flatMap((v) => v.split(',')).filter((v) => v !== '');
      if (values.length === 0) errors.externalId = ['must list at least one value'];
      else if (values.length > INSPECTORIO_MAX_EXTERNAL_IDS) {
        errors.externalId = [`at most ${INSPECTORIO_MAX_EXTERNAL_IDS} values are allowed, got ${values.length}`];
      }
    }
    if (Object.keys(errors).length > 0) return sendJson(ctx.res, 422, errorBody('Validation error', errors));

    let found: InspOrganization[];
    if (values) {
      const seen = new Set<number>();
      found = [];
      for (const value of new Set(values)) {
        for (const org of byExternalId.get(value) ?? []) {
          if (!seen.has(org.id)) {
            seen.add(org.id);
            found.push(org);
          }
        }
      }
      found.sort((a, b) => a.id - b.id);
    } else {
      found = byId;
    }
    const visible = key.organizations;
    if (visible) found = found.filter((org) => visible.has(org.id));
    const page: InspPage<InspOrganization> = { data: found.slice(offset, offset + limit), limit, offset, total: found.length };
    sendJson(ctx.res, 200, page);
  };

  const answerFault = (ctx: SimContext, spec: FaultSpec, action: 'rateLimited' | 'status' | 'malformed' | 'wrongShape') => {
    switch (action) {
      case 'rateLimited': {
        const retryAfter = spec.rateLimited?.retryAfterSeconds;
        return sendJson(ctx.res, 429, errorBody('Too many requests'), retryAfter !== undefined ? { 'Retry-After': String(retryAfter) } : {});
      }
      case 'status':
        return sendJson(ctx.res, spec.status!, errorBody(STATUS_CODES[spec.status!] ?? `Status ${spec.status}`));
      case 'malformed':
        return sendRaw(ctx.res, 200, 'application/json; charset=utf-8', '{"data":[{"target":{"id":1122,"externalId":"F11');
      case 'wrongShape':
        return sendJson(ctx.res, 200, { unexpected: true });
    }
  };

  const serve = (ctx: SimContext) => {
    const credential = ctx.credential;
    const key = credential === undefined ? undefined : apiKeys.get(credential);
    if (!key) return sendJson(ctx.res, 401, errorBody(credential === undefined ? 'Missing apiKey header' : 'Invalid apiKey'));
    switch (ctx.match?.name) {
      case ROUTES.organizationRelationships.name: {
        const id = organizationFor(ctx, key);
        if (id === undefined) return;
        const body: InspRelationshipList = { data: dataset.organizationRelationships.get(id) ?? [] };
        return sendJson(ctx.res, 200, body);
      }
      case ROUTES.organization.name: {
        const id = organizationFor(ctx, key);
        if (id === undefined) return;
        return sendJson(ctx.res, 200, dataset.organizations.get(id));
      }
      case ROUTES.organizations.name:
        return serveOrganizations(ctx, key);
      case ROUTES.relationshipTypes.name:
        return sendJson(ctx.res, 200, { data: dataset.relationshipTypes });
      case ROUTES.contactRoles.name:
        return sendJson(ctx.res, 200, { data: dataset.contactRoles });
      default:
        return sendJson(ctx.res, 404, errorBody('Not found'));
    }
  };

  const server = await startSimServer({
    listen: opts,
    definition: INSPECTORIO,
    match,
    credentialOf: apiKeyOf,
    answerFault,
    serve,
    internalError: (res, message) => sendJson(res, 500, errorBody(message)),
  });

  return {
    url: server.origin,
    requests: server.requests,
    faults: server.faults,
    addApiKey,
    close: () => server.close(),
  };
}
