// Operations shared by the limits tests.

/** shared/graph.md's query across both APIs, verbatim. */
export const PARTNER_SUPPLY_NETWORK = /* GraphQL */ `
query PartnerSupplyNetwork($partnerId: Int!) {
  partner(id: $partnerId) {
    companyRelationships(first: 25) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { createdAt company { companyId name
        organization { name type relationships(first: 10, filter: { targetTypes: [FACTORY] }) {
          totalCount nodes { target { name inspId } types contacts { email role } permissions } } } } } }
    }
  }
}`;

/** A page of 100 whose every target opens a page of 100, three connections deep: cost 1,030,303. */
export const THREE_PAGES_OF_100_DEEP = /* GraphQL */ `
query ThreeDeep($id: Int!) {
  organization(id: $id) {
    relationships(first: 100) { nodes { target {
      relationships(first: 100) { nodes { target {
        relationships(first: 100) { nodes { target { name } } }
      } } }
    } } }
  }
}`;
