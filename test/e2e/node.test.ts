import { encodeId } from '../../src/graph/ids.js';
import { codes, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe('node(id) round trips', () => {
  it('fetches every type again by the id it was served with', async () => {
    const { fixtures } = stack.sims.dataset;
    const res = await stack.query(
      `query($p: Int!, $o: Int!) {
        partner(id: $p) { id companyRelationships(first: 2, after: null) { nodes { id relationshipId company { id name } } } }
        organization(id: $o) { id relationships(first: 1) { nodes { id target { organizationId } } } }
      }`,
      { p: fixtures.bigPartnerId, o: fixtures.bigOrganizationId },
    );
    expect(res.body.errors).toBeUndefined();
    const { partner, organization } = res.body.data;
    const relationship = partner.companyRelationships.nodes[1];
    const orgRelationship = organization.relationships.nodes[0];

    const roundTrip = await stack.query(
      `query($ids: [ID!]!) { nodes(ids: $ids) { __typename id
        ... on Partner { partnerId }
        ... on Company { companyId name }
        ... on Organization { organizationId }
        ... on PartnerRelationship { relationshipId company { companyId } partner { partnerId } }
        ... on OrganizationRelationship { source { organizationId name } target { organizationId } }
      } }`,
      { ids: [partner.id, relationship.company.id, organization.id, relationship.id, orgRelationship.id] },
    );
    expect(roundTrip.body.errors).toBeUndefined();
    const [p, c, o, pr, or] = roundTrip.body.data.nodes;
    expect(p).toEqual({ __typename: 'Partner', id: partner.id, partnerId: fixtures.bigPartnerId });
    expect(c).toEqual({ __typename: 'Company', id: relationship.company.id, companyId: expect.any(Number), name: relationship.company.name });
    expect(o).toEqual({ __typename: 'Organization', id: organization.id, organizationId: fixtures.bigOrganizationId });
    expect(pr).toMatchObject({ __typename: 'PartnerRelationship', id: relationship.id, relationshipId: relationship.relationshipId, partner: { partnerId: fixtures.bigPartnerId } });
    expect(or).toMatchObject({ __typename: 'OrganizationRelationship', id: orgRelationship.id, source: { organizationId: fixtures.bigOrganizationId }, target: orgRelationship.target });

    for (const id of [partner.id, relationship.id, orgRelationship.id]) {
      const one = await stack.query(`query($id: ID!) { node(id: $id) { id } }`, { id });
      expect(one.body).toEqual({ data: { node: { id } } });
    }
  });

  it('finds partner relationships a page of 100 at a time, each page read once for many ids', async () => {
    const { fixtures, partners } = stack.sims.dataset;
    const list = partners.get(fixtures.bigPartnerId)!;
    const picks = [list[3]!, list[150]!, list[151]!, list[239]!];
    const ids = picks.map((r) => encodeId('PartnerRelationship', fixtures.bigPartnerId, r.RelationshipId, r.CompanyId));
    stack.resetCounts();
    const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on PartnerRelationship { relationshipId createdAt company { name } } } }`, { ids });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.nodes).toEqual(picks.map((r, i) => ({ id: ids[i], relationshipId: r.RelationshipId, createdAt: r.CreatedUtc, company: { name: r.CompanyName } })));
    // 240 relationships: pages at 0, 100 and 200, once each for all four ids.
    expect(stack.upstreamRequests()).toEqual({ 'GET /Partners({id})/Relationships/Companies': 3 });
  });

  it('is null with NOT_FOUND for an id of an object that does not exist', async () => {
    const { fixtures } = stack.sims.dataset;
    const ids = [
      encodeId('Company', fixtures.unknownCompanyId),
      encodeId('Organization', fixtures.unknownOrganizationId),
      encodeId('Partner', fixtures.unknownPartnerId),
      encodeId('OrganizationRelationship', fixtures.bigOrganizationId, fixtures.unknownOrganizationId),
      encodeId('PartnerRelationship', fixtures.bigPartnerId, 999999999, 1),
    ];
    const res = await stack.query(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    expect(res.body.data).toEqual({ nodes: [null, null, null, null, null] });
    expect(codes(res)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND']);
  });
});
