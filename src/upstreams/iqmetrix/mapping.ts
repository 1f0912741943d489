import { UpstreamShapeError } from '../../errors.js';
import type { Asset, Company, PartnerCompanyRelationship, PartnerRelationshipPage } from '../../domain/types.js';
import { isRecord, optionalString, requireInt, requireString } from '../shape.js';

// iQmetrix wire → domain. Checks what the graph relies on and nothing more: a missing
// required field is an UpstreamShapeError (the field nulls with UPSTREAM_UNAVAILABLE),
// an unexpected extra field is ignored.

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
  if (typeof count === 'number' && Number.isSafeInteger(count) && count >= 0) return { skip, items, total: count, totalKnown: true };
  const full = top > 0 && items.length === top;
  return { skip, items, total: skip + items.length + (full ? 1 : 0), totalKnown: false };
}

export function toPartnerCompanyRelationship(item: unknown): PartnerCompanyRelationship {
  if (!isRecord(item)) throw new UpstreamShapeError('relationship is not an object');
  return {
    relationshipId: requireInt(item, 'RelationshipId'),
    createdAt: requireDateTime(item, 'CreatedUtc'),
    companyId: requireInt(item, 'CompanyId'),
    companyName: requireString(item, 'CompanyName'),
  };
}

export function toCompany(body: unknown): Company {
  if (!isRecord(body)) throw new UpstreamShapeError('company is not an object');
  const attributes = body.Attributes;
  return {
    companyId: requireInt(body, 'Id'),
    name: requireString(body, 'Name'),
    displayName: optionalString(body, 'DisplayName'),
    description: optionalString(body, 'Description'),
    clientEntityId: optionalString(body, 'ClientEntityId'),
    createdAt: optionalDateTime(body, 'CreatedUtc'),
    lastModifiedAt: optionalDateTime(body, 'LastModifiedUtc'),
    attributes: isRecord(attributes) ? attributes : null,
    logo: isRecord(body.Logo) ? toAsset(body.Logo) : null,
  };
}

function toAsset(logo: Record<string, unknown>): Asset {
  return {
    id: requireString(logo, 'Id'),
    name: optionalString(logo, 'Name'),
    href: optionalString(logo, 'Href'),
    mimeType: optionalString(logo, 'MimeType'),
    width: optionalInt(logo.Width),
    height: optionalInt(logo.Height),
  };
}

function optionalInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

// ISO-8601 with a zone; iQmetrix writes 3 or 7 fractional digits, which Date cannot hold
// (it keeps milliseconds), so the upstream's string is kept as written once it is valid.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function requireDateTime(record: Record<string, unknown>, key: string): string {
  const value = optionalDateTime(record, key);
  if (value === null) throw new UpstreamShapeError(`\`${key}\` is not an ISO-8601 date-time`);
  return value;
}

function optionalDateTime(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string' || !ISO_DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
    throw new UpstreamShapeError(`\`${key}\` is not an ISO-8601 date-time`);
  }
  return toUtc(value);
}

/** Normalizes an offset to `Z`, keeping the fractional digits as written. */
function toUtc(value: string): string {
  if (value.endsWith('Z')) return value;
  const fraction = /\.(\d+)/.exec(value)?.[1];
  const iso = new Date(value).toISOString();
  return fraction ? iso.replace(/\.\d{3}Z$/, `.${fraction}Z`) : iso.replace(/\.000Z$/, 'Z');
}
