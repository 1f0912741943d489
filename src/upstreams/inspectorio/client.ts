import type { Organization, OrganizationRelationship } from '../../domain/types.js';
import { isInvalid } from '../../domain/checked.js';
import { pagingBoundFailure } from '../../http/failures.js';
import type { UpstreamCaller } from '../call.js';
import { INSPECTORIO, INSPECTORIO_MAX_LIMIT, type InspectorioDefinition } from './definition.js';
import { chunkExternalIds } from './external-ids.js';
import { organizationByExternalId } from './records.js';

/**
 * Pages read for one call's externalIds at most: 100 ids match 100 organizations unless the
 * upstream holds duplicates, so 10 pages (1,000 organizations) leave room for many of those.
 * Past it, the ids not yet seen fail with UPSTREAM_UNAVAILABLE (pagingBoundFailure).
 */
export const MAX_PAGES_PER_CHUNK = 10;

/** The ids one externalId call carried, and the organizations it found or the error that failed it (and only these ids). */
export type ExternalIdPiece = { externalIds: readonly string[] } & ({ organizations: Organization[]; error?: undefined } | { error: Error; organizations?: undefined });

/** The Inspectorio Supplier Management endpoints the graph reads, for one operation's credential. */
export class InspectorioClient {
  constructor(private readonly caller: UpstreamCaller<InspectorioDefinition>) {}

  getOrganization(organizationId: number): Promise<Organization> {
    return this.caller.call('organization', organizationId);
  }

  /**
   * What an externalId resolved to in an earlier, still fresh answer (an organization, or
   * `null` for none), from the record-level cache; undefined when nothing is kept (or the
   * cache is off). Costs no upstream call.
   */
  cachedOrganizationByExternalId(externalId: string): Promise<Organization | null | undefined> {
    return this.caller.cachedRecord<Organization | null>('organizations', organizationByExternalId(externalId));
  }

  /** The whole relationship list: the upstream has no paging for it. */
  getOrganizationRelationships(organizationId: number): Promise<OrganizationRelationship[]> {
    return this.caller.call('organizationRelationships', organizationId);
  }

  /**
   * Organizations by externalId, in as few calls as the filter's limits allow
   * (./external-ids.ts); the calls go out together. Several organizations could share an
   * externalId upstream: pages are followed until `total` is reached so none is missed.
   *
   * Answers one piece per call, each with the ids it carried and what came of it, and never
   * rejects: one failed call fails only the ids it carried (issue 11: batch pieces fail alone).
   */
  findOrganizationsByExternalId(externalIds: readonly string[]): Promise<ExternalIdPiece[]> {
    return Promise.all(
      chunkExternalIds(externalIds).map((chunk) =>
        this.findChunk(chunk).then(
          ({ organizations, complete }): ExternalIdPiece[] => (complete ? [{ externalIds: chunk, organizations }] : this.splitUnseen(chunk, organizations)),
          (error: unknown): ExternalIdPiece[] => [{ externalIds: chunk, error: error instanceof Error ? error : new Error(String(error)) }],
        ),
      ),
    ).then((pieces) => pieces.flat());
  }

  private async findChunk(externalIds: readonly string[]): Promise<{ organizations: Organization[]; complete: boolean }> {
    const organizations: Organization[] = [];
    // Bounded: an upstream whose `total` is wrong, or that ignores `offset`, would otherwise be
    // paged until the operation's deadline.
    for (let offset = 0; offset < MAX_PAGES_PER_CHUNK * INSPECTORIO_MAX_LIMIT; offset += INSPECTORIO_MAX_LIMIT) {
      const page = await this.caller.call('organizations', externalIds, offset, INSPECTORIO_MAX_LIMIT);
      organizations.push(...page.organizations);
      if (page.organizations.length === 0 || offset + INSPECTORIO_MAX_LIMIT >= page.total) return { organizations, complete: true };
    }
    return { organizations, complete: false };
  }

  /**
   * The page bound cut a call short: the ids it found keep their organizations; the others
   * might be on the pages not read, so they fail rather than answer "none".
   */
  private splitUnseen(chunk: readonly string[], organizations: Organization[]): ExternalIdPiece[] {
    const seen = new Set(organizations.flatMap((org) => (isInvalid(org.externalId) || org.externalId === null ? [] : [org.externalId])));
    const unseen = chunk.filter((id) => !seen.has(id));
    const pieces: ExternalIdPiece[] = [{ externalIds: chunk.filter((id) => seen.has(id)), organizations }];
    if (unseen.length > 0) pieces.push({ externalIds: unseen, error: pagingBoundFailure(INSPECTORIO.name, INSPECTORIO.routes.organizations.name, MAX_PAGES_PER_CHUNK) });
    return pieces;
  }
}
