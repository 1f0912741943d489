import { PARTNER_SUPPLY_NETWORK } from '../src/graph/example-queries.js';
import type { SimDataset } from '../src/sim/dataset.js';
import { INSPECTORIO, INSPECTORIO_MAX_EXTERNAL_IDS } from '../src/upstreams/inspectorio/definition.js';
import { IQMETRIX } from '../src/upstreams/iqmetrix/definition.js';

// The named operations the benchmark drives, each with what it *should* cost: the fewest
// upstream requests any gateway could make for it (read off the simulator's dataset, so the
// numbers follow the data rather than being typed in), and the depth of its upstream
// dependency chain. The memory test (test/memory/) drives the same operations.

export const QUERY_NAMES = ['small', 'network', 'paging', 'nodes'] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

export type Upstream = 'iqmetrix' | 'inspectorio';

/** Requests each upstream may have in flight; the gateway is started with these. */
export interface InFlightCaps {
  iqmetrix: number;
  inspectorio: number;
}

/** Gateway defaults (src/config.ts); Inspectorio documents 20 as its limit. */
export const DEFAULT_CAPS: InFlightCaps = { iqmetrix: 32, inspectorio: 20 };

/** Route names of the two route tables (src/upstreams/<name>/definition.ts). */
const PARTNER_RELATIONSHIPS = IQMETRIX.routes.partnerCompanyRelationships.name;
const COMPANY = IQMETRIX.routes.company.name;
const ORGANIZATIONS = INSPECTORIO.routes.organizations.name;
const ORGANIZATION = INSPECTORIO.routes.organization.name;
const ORGANIZATION_RELATIONSHIPS = INSPECTORIO.routes.organizationRelationships.name;

/** Which upstream serves each route. */
export const ROUTE_UPSTREAM: Record<string, Upstream> = Object.fromEntries(
  [IQMETRIX, INSPECTORIO].flatMap((upstream) => Object.values(upstream.routes).map((route) => [route.name, upstream.name as Upstream])),
);

/** One request body a load generator sends, and how to tell its answer is right. */
export interface Operation {
  label: string;
  /** The JSON body to POST. */
  body: string;
  /** Checks `data` of an error-free response; returns what is wrong, or undefined. */
  check(data: any): string | undefined;
}

export interface Expectation {
  /** Fewest upstream requests one operation needs, by route (averaged over the operation's bodies). */
  minimum: Record<string, number>;
  /** How `minimum` follows from the upstream APIs. */
  minimumWhy: string;
  /** Sequential upstream round trips with unlimited parallelism: the dependency depth. */
  idealRounds: number;
  idealWhy: string;
  /**
   * Round trips of one operation alone once the in-flight caps are respected
   * (e.g. 21 relationship lists through 20 Inspectorio connections take two rounds).
   */
  floorRounds: number;
}

export interface BenchQuery {
  name: QueryName;
  title: string;
  expectation: Expectation;
  /** Builds the request bodies; `post` reaches the gateway (paging walks its cursors once). */
  prepare(post: PostJson): Promise<Operation[]>;
}

export type PostJson = (body: string) => Promise<{ status: number; json: any }>;

export { PARTNER_SUPPLY_NETWORK };

const SMALL = `query CompanyAndOrganization($id: Int!) {
  company(id: $id) {
    id companyId name displayName createdAt
    organization { id organizationId name type inspId }
  }
}`;

const PAGE = `query PartnerPage($partnerId: Int!, $after: String) {
  partner(id: $partnerId) {
    companyRelationships(first: 100, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id relationshipId createdAt company { companyId name } } }
    }
  }
}`;

const NODES = `query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    id
    ... on Company { companyId name }
    ... on Organization { organizationId name type }
  }
}`;

const PAGE_SIZE = 100;
const NETWORK_PAGE = 25;
const NODE_IDS = 50;

const body = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

function globalId(type: 'Company' | 'Organization', id: number): string {
  // The id format is the gateway's business; the bench only needs ids it issued. This mirrors
  // src/graph/ids.ts, and every `nodes` answer is checked, so a format change fails loudly.
  return Buffer.from(`${type}:${id}`, 'utf8').toString('base64url');
}

/** The organization a company links to (externalId = CompanyId; the lowest id wins a tie). */
function organizationLinks(dataset: SimDataset): Map<number, number> {
  const links = new Map<number, number>();
  for (const org of dataset.organizations.values()) {
    if (org.externalId === null || !/^[1-9]\d*$/.test(org.externalId)) continue;
    const companyId = Number(org.externalId);
    const seen = links.get(companyId);
    if (seen === undefined || org.id < seen) links.set(companyId, org.id);
  }
  return links;
}

const rounds = (requests: number, cap: number) => (requests === 0 ? 0 : Math.ceil(requests / cap));

/** Options of the query set. */
export interface BenchOptions {
  /**
   * Partners `network` rotates through (default 1: the big partner alone): the big partner,
   * then the next partners by id whose first page is full, each body sent in turn. With more
   * than one, concurrent operations mostly need different upstream reads.
   */
  partners?: number;
}

/** The partners `network` rotates through: the big partner first, then others with a full first page. */
export function networkPartners(dataset: SimDataset, count: number): number[] {
  const big = dataset.fixtures.bigPartnerId;
  const others = [...dataset.partners]
    .filter(([id, list]) => id !== big && list.length >= NETWORK_PAGE)
    .map(([id]) => id)
    .sort((a, b) => a - b);
  const partners = [big, ...others].slice(0, count);
  if (partners.length < count) throw new RangeError(`the dataset has only ${partners.length} partners with ${NETWORK_PAGE} relationships or more`);
  return partners;
}

export function benchQueries(dataset: SimDataset, caps: InFlightCaps = DEFAULT_CAPS, options: BenchOptions = {}): Record<QueryName, BenchQuery> {
  const links = organizationLinks(dataset);
  const partnerId = dataset.fixtures.bigPartnerId;
  const partnerList = dataset.partners.get(partnerId)!;

  // small: the first company of the big partner that has an organization.
  const smallCompanyId = dataset.fixtures.linkedCompanyIds[0]!;
  const smallOrganizationId = links.get(smallCompanyId)!;

  // network: the first page of 25 of each partner and the organizations its companies link to.
  const network = networkPartners(dataset, options.partners ?? 1).map((id) => {
    const list = dataset.partners.get(id)!;
    const page = list.slice(0, NETWORK_PAGE);
    const companies = [...new Set(page.map((r) => r.CompanyId))];
    const organizations = new Set(companies.map((companyId) => links.get(companyId)).filter((orgId) => orgId !== undefined));
    return { partnerId: id, list, page, companies, organizations };
  });
  const mean = (f: (n: (typeof network)[number]) => number) => network.reduce((total, n) => total + f(n), 0) / network.length;
  const networkBatches = mean((n) => Math.ceil(n.companies.length / INSPECTORIO_MAX_EXTERNAL_IDS));
  const networkLists = mean((n) => n.organizations.size);
  const networkCompanies = network[0]!.companies;
  const networkOrganizations = network[0]!.organizations;

  // nodes: 25 organizations and 25 linked companies, interleaved.
  const organizationIds = [...dataset.organizations.keys()].sort((a, b) => a - b).slice(0, NODE_IDS / 2);
  const companyIds = [...dataset.companies.keys()]
    .filter((id) => links.has(id))
    .sort((a, b) => a - b)
    .slice(0, NODE_IDS / 2);
  const nodeIds = organizationIds.flatMap((orgId, i) => [globalId('Organization', orgId), globalId('Company', companyIds[i]!)]);

  const pageCount = Math.max(1, Math.ceil(partnerList.length / PAGE_SIZE));

  return {
    small: {
      name: 'small',
      title: `company(id: ${smallCompanyId}) and its organization`,
      expectation: {
        minimum: { [COMPANY]: 1, [ORGANIZATIONS]: 1 },
        minimumWhy: '1 company (no batch form) + 1 organizations-by-externalId call',
        idealRounds: 1,
        idealWhy: 'both calls are keyed by the company id in the argument, so they can run side by side',
        floorRounds: 1,
      },
      prepare: async () => [
        {
          label: 'small',
          body: body(SMALL, { id: smallCompanyId }),
          check: (data) =>
            data?.company?.companyId !== smallCompanyId
              ? `company ${smallCompanyId} missing`
              : data.company.organization?.organizationId !== smallOrganizationId
                ? `company ${smallCompanyId} should link to organization ${smallOrganizationId}`
                : undefined,
        },
      ],
    },

    network: {
      name: 'network',
      title:
        network.length === 1
          ? `PartnerSupplyNetwork(partner ${partnerId})`
          : `PartnerSupplyNetwork of ${network.length} partners in turn (${network.map((n) => n.partnerId).join(', ')})`,
      expectation: {
        minimum: {
          [PARTNER_RELATIONSHIPS]: 1,
          [ORGANIZATIONS]: networkBatches,
          [ORGANIZATION_RELATIONSHIPS]: networkLists,
        },
        minimumWhy:
          network.length === 1
            ? `1 iQmetrix page (it also proves the partner exists) + ceil(${networkCompanies.length} distinct companies / ${INSPECTORIO_MAX_EXTERNAL_IDS}) ` +
              `organization batch + ${networkOrganizations.size} relationship lists, one per distinct linked organization in the first ${NETWORK_PAGE}`
            : `per partner, 1 iQmetrix page + 1 organization batch + one relationship list per distinct linked organization in its first ${NETWORK_PAGE} ` +
              `(${network.map((n) => n.organizations.size).join(', ')}), averaged`,
        idealRounds: 3,
        idealWhy: 'page → organizations of its companies → their relationship lists',
        floorRounds: Math.max(...network.map((n) => 1 + rounds(Math.ceil(n.companies.length / INSPECTORIO_MAX_EXTERNAL_IDS), caps.inspectorio) + rounds(n.organizations.size, caps.inspectorio))),
      },
      prepare: async () =>
        network.map(({ partnerId: id, list, page }) => ({
          label: network.length === 1 ? 'network' : `network ${id}`,
          body: body(PARTNER_SUPPLY_NETWORK, { partnerId: id }),
          check: (data: any) => {
            const connection = data?.partner?.companyRelationships;
            if (connection?.totalCount !== list.length) return `totalCount should be ${list.length}`;
            if (connection.edges.length !== page.length) return `expected ${page.length} edges, got ${connection.edges.length}`;
            for (const [i, edge] of (connection.edges as any[]).entries()) {
              const company = edge.node.company;
              if (company.companyId !== page[i]!.CompanyId) return `edge ${i}: wrong company`;
              if ((company.organization !== null) !== links.has(company.companyId)) return `edge ${i}: organization link is wrong`;
            }
            return undefined;
          },
        })),
    },

    paging: {
      name: 'paging',
      title: `partner ${partnerId}'s ${partnerList.length} relationships, ${PAGE_SIZE} a page (${pageCount} pages, cycled)`,
      expectation: {
        minimum: { [PARTNER_RELATIONSHIPS]: 1 },
        minimumWhy: 'one iQmetrix page per GraphQL page ($skip/$top); company names come with the relationships',
        idealRounds: 1,
        idealWhy: 'one page request',
        floorRounds: 1,
      },
      // Cursors are opaque: walk the list once through the gateway and keep each page's `after`.
      prepare: async (post) => {
        const operations: Operation[] = [];
        let after: string | null = null;
        for (let page = 0; page < pageCount; page++) {
          const offset = page * PAGE_SIZE;
          const expected = partnerList.slice(offset, offset + PAGE_SIZE);
          const requestBody = body(PAGE, { partnerId, after });
          const { json } = await post(requestBody);
          const connection = json?.data?.partner?.companyRelationships;
          if (!connection || json.errors) throw new Error(`paging: page ${page + 1} failed: ${JSON.stringify(json).slice(0, 500)}`);
          operations.push({
            label: `paging p${page + 1}`,
            body: requestBody,
            check: (data) => {
              const edges = data?.partner?.companyRelationships?.edges as any[] | undefined;
              if (!edges || edges.length !== expected.length) return `page ${page + 1}: expected ${expected.length} edges, got ${edges?.length}`;
              if (edges[0].node.relationshipId !== expected[0]!.RelationshipId) return `page ${page + 1}: starts at the wrong relationship`;
              return undefined;
            },
          });
          after = connection.pageInfo.endCursor;
          if (!connection.pageInfo.hasNextPage) break;
        }
        return operations;
      },
    },

    nodes: {
      name: 'nodes',
      title: `nodes(${NODE_IDS} ids: ${organizationIds.length} Organization + ${companyIds.length} Company)`,
      expectation: {
        minimum: { [COMPANY]: companyIds.length, [ORGANIZATION]: organizationIds.length },
        minimumWhy: 'one call per distinct id: neither companies nor organizations by id have a batch form',
        idealRounds: 1,
        idealWhy: 'every id is independent',
        floorRounds: Math.max(rounds(companyIds.length, caps.iqmetrix), rounds(organizationIds.length, caps.inspectorio)),
      },
      prepare: async () => [
        {
          label: 'nodes',
          body: body(NODES, { ids: nodeIds }),
          check: (data) => {
            const nodes = data?.nodes as any[] | undefined;
            if (!nodes || nodes.length !== nodeIds.length) return `expected ${nodeIds.length} nodes`;
            const wrong = nodes.findIndex((n, i) => n?.id !== nodeIds[i]);
            return wrong >= 0 ? `node ${wrong} is ${JSON.stringify(nodes[wrong])}` : undefined;
          },
        },
      ],
    },
  };
}

/** Upstream requests per operation by upstream, from counts by route. */
export function byUpstream(perRoute: Record<string, number>): Record<Upstream, number> {
  const totals: Record<Upstream, number> = { iqmetrix: 0, inspectorio: 0 };
  for (const [route, n] of Object.entries(perRoute)) {
    const upstream = ROUTE_UPSTREAM[route];
    if (upstream) totals[upstream] += n;
  }
  return totals;
}

export function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** How many times each query's operations appear in one cycle of a mix. */
export type MixWeights = Record<QueryName, number>;

/** Cheap operations dominate, as they would in real traffic; every page of the paging walk is in it. */
export const SOAK_MIX: MixWeights = { small: 4, paging: 1, network: 2, nodes: 1 };

/**
 * A traffic mix for soak and leak tests: the operations of each query, repeated by weight and
 * interleaved so heavy ones are spread out. Each load-generator connection cycles through it.
 */
export async function prepareMix(queries: Record<QueryName, BenchQuery>, post: PostJson, weights: MixWeights = SOAK_MIX): Promise<Operation[]> {
  const prepared = new Map<QueryName, Operation[]>();
  for (const name of QUERY_NAMES) if (weights[name] > 0) prepared.set(name, await queries[name].prepare(post));
  const mix: Operation[] = [];
  const rounds = Math.max(...QUERY_NAMES.map((name) => weights[name]));
  for (let round = 0; round < rounds; round++) {
    for (const name of QUERY_NAMES) if (round < weights[name]) mix.push(...prepared.get(name)!);
  }
  return mix;
}
