import type { Organization, OrganizationRelationship } from '../../domain/types.js';
import type { UpstreamCaller } from '../call.js';
import { toOrganization, toOrganizationListPage, toOrganizationRelationships, type OrganizationListPage } from './mapping.js';
import { INSPECTORIO_MAX_EXTERNAL_IDS, INSPECTORIO_MAX_LIMIT, inspectorioPaths } from './paths.js';

export const INSPECTORIO_ROUTES = {
  organizationRelationships: 'GET /v2/organizations/{id}/relationships',
  organization: 'GET /v1/organizations/{id}',
  organizations: 'GET /v1/organizations',
} as const;

/** The Inspectorio Supplier Management endpoints the graph reads, for one operation's credential. */
export class InspectorioClient {
  constructor(private readonly caller: UpstreamCaller) {}

  getOrganization(organizationId: number): Promise<Organization> {
    return this.get(INSPECTORIO_ROUTES.organization, inspectorioPaths.organization(organizationId), toOrganization);
  }

  /** The whole relationship list: the upstream has no paging for it. */
  getOrganizationRelationships(organizationId: number): Promise<OrganizationRelationship[]> {
    return this.get(INSPECTORIO_ROUTES.organizationRelationships, inspectorioPaths.organizationRelationships(organizationId), toOrganizationRelationships);
  }

  /**
   * Organizations by externalId. The filter takes at most 100 ids per call, and ids are long
   * strings at worst, so the ids are also split to keep each URL short enough for any proxy;
   * the calls go out together. Several organizations could share an externalId upstream:
   * pages are followed until `total` is reached so none is missed.
   */
  async findOrganizationsByExternalId(externalIds: readonly string[]): Promise<Organization[]> {
    const results = await Promise.all(chunkByUrlLength(externalIds).map((chunk) => this.findChunk(chunk)));
    return results.flat();
  }

  private async findChunk(externalIds: readonly string[]): Promise<Organization[]> {
    const found: Organization[] = [];
    for (let offset = 0; ; offset += INSPECTORIO_MAX_LIMIT) {
      const page: OrganizationListPage = await this.get(
        INSPECTORIO_ROUTES.organizations,
        inspectorioPaths.organizationsByExternalId(externalIds, offset, INSPECTORIO_MAX_LIMIT),
        toOrganizationListPage,
      );
      found.push(...page.organizations);
      if (page.organizations.length === 0 || offset + INSPECTORIO_MAX_LIMIT >= page.total) return found;
    }
  }

  private get<T>(route: string, path: string, map: (body: unknown) => T): Promise<T> {
    return this.caller.get(route, path, map);
  }
}

/** Longest `externalId=` value per call, encoded: well under the 8 KB many proxies allow per request line. */
const MAX_EXTERNAL_ID_QUERY_LENGTH = 4_000;

function chunkByUrlLength(externalIds: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let length = 0;
  for (const id of externalIds) {
    const encoded = encodeURIComponent(id).length + 1;
    if (chunk.length > 0 && (chunk.length === INSPECTORIO_MAX_EXTERNAL_IDS || length + encoded > MAX_EXTERNAL_ID_QUERY_LENGTH)) {
      chunks.push(chunk);
      chunk = [];
      length = 0;
    }
    chunk.push(id);
    length += encoded;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
