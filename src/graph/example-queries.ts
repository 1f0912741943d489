// Operations from shared/graph.md, verbatim: the sample `npm start` prints, and the fixture
// that tests and the benchmark measure. One copy, so they all measure the same thing.

/** The query that crosses both APIs (shared/graph.md). */
export const PARTNER_SUPPLY_NETWORK = `query PartnerSupplyNetwork($partnerId: Int!) {
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
