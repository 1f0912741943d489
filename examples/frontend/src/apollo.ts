import { ApolloClient, HttpLink, InMemoryCache, type Reference, type StoreObject } from '@apollo/client';
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

/** A client for the gateway at `uri` (e.g. `https://gateway.example/graphql`). */
export function createApolloClient(uri: string, fetchImpl: typeof fetch = fetch): ApolloClient {
  return new ApolloClient({ link: new HttpLink({ uri, fetch: fetchImpl }), cache: createCache() });
}
