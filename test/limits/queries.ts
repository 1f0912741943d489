// Operations shared by the limits tests.

export { PARTNER_SUPPLY_NETWORK } from '../../src/graph/example-queries.js';

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
