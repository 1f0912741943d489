import { UpstreamShapeError } from '../../errors.js';
import type { Asset, Company, PartnerCompanyRelationship, PartnerRelationshipPage } from '../../domain/types.js';
import { isRecord } from '../shape.js';
import { IQMETRIX_NAME } from './name.js';
import { invalidValue } from '../../domain/checked.js';
import { GRAPHQL_INT_MAX, readDateTime, readId, readJsonObject, readObject, readOptionalDateTime, readOptionalInt, readOptionalString, readString } from '../values.js';

// iQmetrix wire → domain. Checks what the graph relies on and nothing more. A body without
// the documented structure (no `items` array, an item that is no object) is an
// UpstreamShapeError: the whole call fails with UPSTREAM_UNAVAILABLE. A single value that is
// missing, of the wrong type or out of range is carried as an InvalidUpstreamValue
// (src/domain/checked.ts) and fails only the fields that show it. Extra fields are ignored.

const UPSTREAM = IQMETRIX_NAME;

/**
 * Accepts the documented envelope and the bare array of the first doc revision. The count is
 * the envelope's `_metadata.count`, as it is (a cursor past the end must not stretch it).
 * Without one, the total is only a lower bound (see PartnerRelationshipPage.total).
 */
export function toPartnerRelationshipPage(body: unknown, skip: number, top: number): PartnerRelationshipPage {
  const bare = Array.isArray(body);
  if (!bare && !(isRecord(body) && Array.isArray(body.items))) throw new UpstreamShapeError('relationship page has no `items` array');
  const items = ((bare ? body : (body as Record<string, unknown>).items) as unknown[]).slice(0, top).map(toPartnerCompanyRelationship);
  const metadata = bare ? undefined : (body as Record<string, unknown>)._metadata;
  const count = isRecord(metadata) ? metadata.count : undefined;
  if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) {
    const totalCount = count <= GRAPHQL_INT_MAX ? count : invalidValue(UPSTREAM, '_metadata.count', count, 'is beyond what a GraphQL Int holds');
    return { skip, items, total: count, totalKnown: true, totalCount };
  }
  const full = top > 0 && items.length === top;
  const total = skip + items.length + (full ? 1 : 0);
  return { skip, items, total, totalKnown: false, totalCount: total };
}

export function toPartnerCompanyRelationship(item: unknown): PartnerCompanyRelationship {
  if (!isRecord(item)) throw new UpstreamShapeError('relationship is not an object');
  // Each value on its own: a bad one fails the fields that show it, not the page.
  return {
    relationshipId: readId(UPSTREAM, item, 'RelationshipId'),
    createdAt: readDateTime(UPSTREAM, item, 'CreatedUtc'),
    companyId: readId(UPSTREAM, item, 'CompanyId'),
    companyName: readString(UPSTREAM, item, 'CompanyName'),
  };
}

export function toCompany(body: unknown): Company {
  if (!isRecord(body)) throw new UpstreamShapeError('company is not an object');
  return {
    companyId: readId(UPSTREAM, body, 'Id'),
    name: readString(UPSTREAM, body, 'Name'),
    displayName: readOptionalString(UPSTREAM, body, 'DisplayName'),
    description: readOptionalString(UPSTREAM, body, 'Description'),
    clientEntityId: readOptionalString(UPSTREAM, body, 'ClientEntityId'),
    createdAt: readOptionalDateTime(UPSTREAM, body, 'CreatedUtc'),
    lastModifiedAt: readOptionalDateTime(UPSTREAM, body, 'LastModifiedUtc'),
    attributes: readJsonObject(UPSTREAM, body, 'Attributes', null),
    logo: body.Logo === null || body.Logo === undefined ? null : readObject(UPSTREAM, body.Logo, 'Logo', toAsset),
  };
}

function toAsset(logo: Record<string, unknown>): Asset {
  return {
    id: readString(UPSTREAM, logo, 'Id', 'Logo.Id'),
    name: readOptionalString(UPSTREAM, logo, 'Name', 'Logo.Name'),
    href: readOptionalString(UPSTREAM, logo, 'Href', 'Logo.Href'),
    mimeType: readOptionalString(UPSTREAM, logo, 'MimeType', 'Logo.MimeType'),
    width: readOptionalInt(UPSTREAM, logo, 'Width', 'Logo.Width'),
    height: readOptionalInt(UPSTREAM, logo, 'Height', 'Logo.Height'),
  };
}
