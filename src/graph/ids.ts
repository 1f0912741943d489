import { isInvalid, type Checked } from '../domain/checked.js';
import { badUserInput } from '../errors.js';

// Global ids are `base64url("<Type>:<key>:<key>…")`. Opaque to clients, but cheap to
// decode and self-describing for operators reading logs. Keys are integers in every case.

export type NodeTypeName = 'Partner' | 'Company' | 'Organization' | 'PartnerRelationship' | 'OrganizationRelationship';

/** How many integer keys each type's id carries. */
const KEY_COUNT: Record<NodeTypeName, number> = {
  Partner: 1,
  Company: 1,
  Organization: 1,
  // partnerId, relationshipId, companyId. (Not the position in the partner's list, though it
  // would make `node(id)` cheaper: the id must stay the same when the list shifts, or a
  // normalized client cache holds one relationship twice.)
  PartnerRelationship: 3,
  // source organization id, target organization id: the upstream relationship has no id.
  OrganizationRelationship: 2,
};

export interface DecodedId {
  type: NodeTypeName;
  keys: number[];
}

/** GraphQL `Int` is a signed 32-bit integer (spec, "Int"): the one spelling of its bounds in this gateway. */
export const GRAPHQL_INT_MAX = 2_147_483_647;
export const GRAPHQL_INT_MIN = -2_147_483_648;

/** Every key is an upstream id: a positive GraphQL Int. */
const KEY = /^[1-9]\d{0,9}$/;

/**
 * True for a key `decodeId` accepts back: a positive integer that a GraphQL Int holds. Every
 * upstream value used as a key (an id read from a body, an externalId naming a CompanyId, an
 * entity representation's key) passes this same check before it is asked of an upstream.
 */
export function isIdKey(key: unknown): key is number {
  return typeof key === 'number' && Number.isInteger(key) && key >= 1 && key <= GRAPHQL_INT_MAX;
}

/**
 * The global id of an object. Keys are validated with the rule `decodeId` applies, so no id is
 * ever issued that `node(id)` would then refuse: a key outside it is a bug here (keys come from
 * arguments already checked, or from upstream values read by src/upstreams/values.ts).
 */
export function encodeId(type: NodeTypeName, ...keys: number[]): string {
  for (const key of keys) {
    if (!isIdKey(key)) throw new RangeError(`${type} id key ${key} is not a positive 32-bit integer`);
  }
  return Buffer.from(`${type}:${keys.join(':')}`, 'utf8').toString('base64url');
}

/**
 * `encodeId` over keys read from an upstream: when one of them could not be read, the id is
 * that key's error (the `id` field then answers UPSTREAM_UNAVAILABLE), never an id minted anyway.
 */
export function mintId(type: NodeTypeName, ...keys: Checked<number>[]): Checked<string> {
  const bad = keys.find(isInvalid);
  return bad ?? encodeId(type, ...(keys as number[]));
}

/** Decodes a global id, or throws BAD_USER_INPUT saying why it is not one of ours. */
export function decodeId(id: string): DecodedId {
  const fail = () => badUserInput(`"${truncate(id)}" is not a valid id issued by this server.`, { argumentName: 'id' });
  if (typeof id !== 'string' || id.length === 0 || id.length > 200 || !/^[A-Za-z0-9_-]+$/.test(id)) throw fail();
  const [type, ...rawKeys] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  if (!type || !Object.hasOwn(KEY_COUNT, type)) throw fail();
  const typeName = type as NodeTypeName;
  if (rawKeys.length !== KEY_COUNT[typeName] || !rawKeys.every((k) => KEY.test(k) && isIdKey(Number(k)))) throw fail();
  const keys = rawKeys.map(Number);
  // Re-encoding must give the same string: this rejects padded or otherwise non-canonical
  // spellings, so every object has exactly one id (normalized client caches depend on it).
  if (encodeId(typeName, ...keys) !== id) throw fail();
  return { type: typeName, keys };
}

function truncate(value: string): string {
  return typeof value === 'string' && value.length > 60 ? `${value.slice(0, 57)}...` : String(value);
}
