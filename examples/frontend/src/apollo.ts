import { ApolloClient, HttpLink, InMemoryCache, type Reference, type StoreObject } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { relayStylePagination } from '@apollo/client/utilities';

/**
 * Which object types implement each interface, so the cache can match `... on Company` inside
 * `node(id:)` and inherit `Node`'s policies. Keep it in step with the schema (the gateway's test
 * suite checks this list against it).
 */
export const possibleTypes = {
  Node: ['Partner', 'PartnerRelationship', 'Company', 'Organization', 'OrganizationRelationship'],
  Relationship: ['PartnerRelationship', 'OrganizationRelationship'],
};

const nodeTypes = new Set(possibleTypes.Node);

export function createCache(): InMemoryCache {
  return new InMemoryCache({
    possibleTypes,
    // A Node's `id` is unique across the whole graph, so it alone is the cache key. That lets
    // `node(id:)` below point at an object without knowing its type. (An `Asset.id` is a GUID
    // of another namespace, so other types keep Apollo's `Typename:id`.)
    dataIdFromObject: (object: Readonly<StoreObject>) => {
      const { __typename, id } = object;
      if (typeof id !== 'string' || typeof __typename !== 'string') return undefined;
      return nodeTypes.has(__typename) ? id : `${__typename}:${id}`;
    },
    typePolicies: {
      Query: {
        fields: {
          // An object already in the cache, from any query, answers `node(id:)` without a request.
          node: (existing: Reference | undefined, { args, toReference }) => existing ?? (typeof args?.id === 'string' ? toReference(args.id) : undefined),
        },
      },
      Partner: {
        fields: {
          // One list per partner however it is paged: `fetchMore({ variables: { after } })` appends.
          companyRelationships: relayStylePagination(),
        },
      },
    },
  });
}

/** SHA-256 of a text, as lower-case hex, with the Web Crypto API (browsers, Node 20+). */
async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export interface ClientOptions {
  /**
   * Send operations by hash (`extensions.persistedQuery`) instead of their text. Against a
   * gateway with TRUSTED_DOCUMENTS_ONLY=true this is required: its TRUSTED_DOCUMENTS_FILE is the
   * manifest `npm run persisted-queries:frontend` writes from this folder's operations, whose
   * ids are the SHA-256 of exactly the text this client would send.
   */
  persistedQueries?: boolean;
}

/** A client for the gateway at `uri` (e.g. `https://gateway.example/graphql`). */
export function createApolloClient(uri: string, fetchImpl: typeof fetch = fetch, options: ClientOptions = {}): ApolloClient {
  const http = new HttpLink({ uri, fetch: fetchImpl });
  const link = options.persistedQueries ? new PersistedQueryLink({ sha256 }).concat(http) : http;
  return new ApolloClient({ link, cache: createCache() });
}
