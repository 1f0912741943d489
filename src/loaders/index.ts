import DataLoader from 'dataloader';
import { isInvalid } from '../domain/checked.js';
import type { Company, Organization, OrganizationRelationship, PartnerRelationshipPage } from '../domain/types.js';
import type { InspectorioClient } from '../upstreams/inspectorio/client.js';
import type { IqmetrixClient } from '../upstreams/iqmetrix/client.js';
import { INSPECTORIO_MAX_EXTERNAL_IDS } from '../upstreams/inspectorio/definition.js';
import { indexByExternalId } from '../upstreams/inspectorio/records.js';
import { IQMETRIX_MAX_TOP } from '../upstreams/iqmetrix/definition.js';

// One DataLoader per upstream read, created for each operation (never shared between
// callers: their credentials may differ). What each can batch follows what the upstream
// offers: only organizations by externalId have a batch endpoint; everything else is
// deduplicated here and fanned out, with parallelism bounded by the transport's pool.

export interface PartnerPageKey {
  partnerId: number;
  skip: number;
  top: number;
}

export interface Loaders {
  partnerRelationshipPage: DataLoader<PartnerPageKey, PartnerRelationshipPage, string>;
  company: DataLoader<number, Company>;
  organization: DataLoader<number, Organization>;
  /** `null` when no organization has that externalId. */
  organizationByExternalId: DataLoader<string, Organization | null>;
  organizationRelationships: DataLoader<number, OrganizationRelationship[]>;
  /** The length of a partner's list, from whichever of its pages arrived first. */
  partnerTotal(partnerId: number): Promise<number>;
  /** The length of a partner's list if this operation already learned it exactly. */
  knownPartnerTotal(partnerId: number): number | undefined;
}

/** How far a list without a count is walked to learn its length, in pages of 100. */
const MAX_COUNTING_PAGES = 50;

/** For endpoints with no batch form: one call per distinct key, failures kept per key. */
function eachKey<K, V>(load: (key: K) => Promise<V>): DataLoader.BatchLoadFn<K, V> {
  return (keys) => Promise.all(keys.map((key) => load(key).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
}

export function createLoaders(iqmetrix: IqmetrixClient, inspectorio: InspectorioClient): Loaders {
  const partnerTotals = new Map<number, number>();

  const partnerRelationshipPage = new DataLoader<PartnerPageKey, PartnerRelationshipPage, string>(
    eachKey(async ({ partnerId, skip, top }) => {
      const page = await iqmetrix.getPartnerRelationships(partnerId, skip, top);
      if (page.totalKnown) partnerTotals.set(partnerId, page.total);
      return page;
    }),
    { cacheKeyFn: ({ partnerId, skip, top }) => `${partnerId}:${skip}:${top}` },
  );

  const organization = new DataLoader<number, Organization>(eachKey((id) => inspectorio.getOrganization(id)));

  // One batch may take several upstream calls (split by URL length): each key's outcome
  // depends only on the call that carried it.
  const organizationByExternalId = new DataLoader<string, Organization | null>(
    async (externalIds) => {
      const outcomes = new Map<string, Organization | null | Error>();
      // Record-level cache first (issue 12): an externalId an earlier batch resolved is a hit,
      // and only the rest is asked for.
      const kept = await Promise.all(externalIds.map((id) => inspectorio.cachedOrganizationByExternalId(id)));
      const missing: string[] = [];
      externalIds.forEach((id, i) => {
        const found = kept[i];
        if (found === undefined) return void missing.push(id);
        outcomes.set(id, found);
        if (found !== null && !isInvalid(found.organizationId)) organization.prime(found.organizationId, found);
      });
      for (const piece of missing.length > 0 ? await inspectorio.findOrganizationsByExternalId(missing) : []) {
        if (piece.error) {
          for (const id of piece.externalIds) outcomes.set(id, piece.error);
          continue;
        }
        // A record whose externalId cannot be read might be any of this call's ids: those left
        // without a match answer with its error rather than a "none" that may be false.
        const { byExternalId, unreadable } = indexByExternalId(piece.organizations);
        for (const org of piece.organizations) if (!isInvalid(org.organizationId)) organization.prime(org.organizationId, org);
        for (const id of piece.externalIds) outcomes.set(id, byExternalId.get(id) ?? unreadable ?? null);
      }
      return externalIds.map((id) => outcomes.get(id) ?? null);
    },
    { maxBatchSize: INSPECTORIO_MAX_EXTERNAL_IDS },
  );

  return {
    partnerRelationshipPage,
    company: new DataLoader<number, Company>(eachKey((id) => iqmetrix.getCompany(id))),
    organization,
    organizationByExternalId,
    organizationRelationships: new DataLoader<number, OrganizationRelationship[]>(eachKey((id) => inspectorio.getOrganizationRelationships(id))),
    async partnerTotal(partnerId) {
      const known = partnerTotals.get(partnerId);
      if (known !== undefined) return known;
      // `$top=0` answers the count alone: the cheapest way to learn it.
      const probe = await partnerRelationshipPage.load({ partnerId, skip: 0, top: 0 });
      if (probe.totalKnown) return probe.total;
      // An upstream that gives no count (the old bare-array answer): walk to the end, up to a
      // bound (an upstream that ignored $skip would otherwise be walked until the deadline).
      let skip = 0;
      for (; skip < MAX_COUNTING_PAGES * IQMETRIX_MAX_TOP; skip += IQMETRIX_MAX_TOP) {
        const page = await partnerRelationshipPage.load({ partnerId, skip, top: IQMETRIX_MAX_TOP });
        if (page.items.length < IQMETRIX_MAX_TOP) {
          partnerTotals.set(partnerId, skip + page.items.length);
          return skip + page.items.length;
        }
      }
      return skip;
    },
    knownPartnerTotal: (partnerId) => partnerTotals.get(partnerId),
  };
}
