import { UpstreamShapeError } from '../../errors.js';
import type { Asset, Company, PartnerCompanyRelationship, PartnerRelationshipPage } from '../../domain/types.js';
import { isRecord, optionalString, requireInt, requireString } from '../shape.js';

// iQmetrix wire → domain. Checks what the graph relies on and nothing more: a missing
// required field is an UpstreamShapeError (the field nulls with UPSTREAM_UNAVAILABLE),
// an unexpected extra field is ignored.

/**
 * Accepts the documented envelope and the bare array of the first doc revision. A bare array
 * carries no count: when it is shorter than the page asked for, the list ends with it;
 * when it is full, the count is unknown and we report what is known to exist plus one, so
 * clients still see `hasNextPage` and can page on.
 */
export function toPartnerRelationshipPage(body: unknown, skip: number, top: number): PartnerRelationshipPage {
  if (Array.isArray(body)) {
    const items = body.map(toPartnerCompanyRelationship);
    const full = top > 0 && items.length >= top;
    return { skip, items: items.slice(0, top), total: skip + Math.min(items.length, top) + (full ? 1 : 0) };
  }
  if (!isRecord(body) || !Array.isArray(body.items)) throw new UpstreamShapeError('relationship page has no `items` array');
  const metadata = body._metadata;
  const count = isRecord(metadata) ? metadata.count : undefined;
  const items = body.items.map(toPartnerCompanyRelationship);
  const total = typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : skip + items.length;
  return { skip, items, total: Math.max(total, skip + items.length) };
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
