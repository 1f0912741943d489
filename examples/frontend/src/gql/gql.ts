/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment CompanyCard on Company {\n    id\n    companyId\n    name\n    displayName\n    organization {\n      id\n      name\n      type\n    }\n  }\n": typeof types.CompanyCardFragmentDoc,
    "\n  query Company($id: Int!) {\n    company(id: $id) {\n      ...CompanyCard\n    }\n  }\n": typeof types.CompanyDocument,
    "\n  query CompanyNode($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Company {\n        ...CompanyCard\n      }\n    }\n  }\n": typeof types.CompanyNodeDocument,
    "\n  query PartnerCompanies($partnerId: Int!, $first: Int!, $after: String) {\n    partner(id: $partnerId) {\n      id\n      partnerId\n      companyRelationships(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          cursor\n          node {\n            id\n            createdAt\n            company {\n              id\n              companyId\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.PartnerCompaniesDocument,
};
const documents: Documents = {
    "\n  fragment CompanyCard on Company {\n    id\n    companyId\n    name\n    displayName\n    organization {\n      id\n      name\n      type\n    }\n  }\n": types.CompanyCardFragmentDoc,
    "\n  query Company($id: Int!) {\n    company(id: $id) {\n      ...CompanyCard\n    }\n  }\n": types.CompanyDocument,
    "\n  query CompanyNode($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Company {\n        ...CompanyCard\n      }\n    }\n  }\n": types.CompanyNodeDocument,
    "\n  query PartnerCompanies($partnerId: Int!, $first: Int!, $after: String) {\n    partner(id: $partnerId) {\n      id\n      partnerId\n      companyRelationships(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          cursor\n          node {\n            id\n            createdAt\n            company {\n              id\n              companyId\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n": types.PartnerCompaniesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment CompanyCard on Company {\n    id\n    companyId\n    name\n    displayName\n    organization {\n      id\n      name\n      type\n    }\n  }\n"): (typeof documents)["\n  fragment CompanyCard on Company {\n    id\n    companyId\n    name\n    displayName\n    organization {\n      id\n      name\n      type\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Company($id: Int!) {\n    company(id: $id) {\n      ...CompanyCard\n    }\n  }\n"): (typeof documents)["\n  query Company($id: Int!) {\n    company(id: $id) {\n      ...CompanyCard\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CompanyNode($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Company {\n        ...CompanyCard\n      }\n    }\n  }\n"): (typeof documents)["\n  query CompanyNode($id: ID!) {\n    node(id: $id) {\n      id\n      ... on Company {\n        ...CompanyCard\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PartnerCompanies($partnerId: Int!, $first: Int!, $after: String) {\n    partner(id: $partnerId) {\n      id\n      partnerId\n      companyRelationships(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          cursor\n          node {\n            id\n            createdAt\n            company {\n              id\n              companyId\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PartnerCompanies($partnerId: Int!, $first: Int!, $after: String) {\n    partner(id: $partnerId) {\n      id\n      partnerId\n      companyRelationships(first: $first, after: $after) {\n        totalCount\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        edges {\n          cursor\n          node {\n            id\n            createdAt\n            company {\n              id\n              companyId\n              name\n            }\n          }\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;