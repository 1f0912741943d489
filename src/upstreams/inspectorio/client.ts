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
   * Organizations by externalId, at most 100 ids per call. Several organizations could share
   * an externalId upstream; pages are followed until `total` is reached so none is missed.
   */
  async findOrganizationsByExternalId(externalIds: readonly string[]): Promise<Organization[]> {
    if (externalIds.length > INSPECTORIO_MAX_EXTERNAL_IDS) throw new RangeError(`at most ${INSPECTORIO_MAX_EXTERNAL_IDS} externalIds per call`);
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
