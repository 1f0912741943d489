import { encodeId } from '../../src/graph/ids.js';
import type { IqCompany } from '../../src/upstreams/iqmetrix/wire.js';
import { codes, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const COMPANY_FIELDS = `companyId name displayName description clientEntityId createdAt lastModifiedAt attributes
  logo { id name href mimeType width height }`;

function expectedCompany(c: IqCompany) {
  return {
    id: encodeId('Company', c.Id),
    companyId: c.Id,
    name: c.Name,
    displayName: c.DisplayName ?? null,
    description: c.Description ?? null,
    clientEntityId: c.ClientEntityId ?? null,
    createdAt: c.CreatedUtc ?? null,
    lastModifiedAt: c.LastModifiedUtc ?? null,
    attributes: c.Attributes ?? null,
    logo: c.Logo ? { id: c.Logo.Id, name: c.Logo.Name, href: c.Logo.Href, mimeType: c.Logo.MimeType, width: c.Logo.Width, height: c.Logo.Height } : null,
  };
}

describe('Company', () => {
  it('maps every field, including missing optional ones and 7-digit fractions', async () => {
    const companies = [...stack.sims.dataset.companies.values()];
    const samples = [
      companies.find((c) => c.DisplayName === undefined),
      companies.find((c) => c.DisplayName && c.Logo && c.ClientEntityId),
      companies.find((c) => c.Logo === null),
      companies.find((c) => c.ClientEntityId === null),
      companies.find((c) => /\.\d{7}Z$/.test(c.CreatedUtc ?? '')),
      companies.find((c) => /[^\x00-\x7F]/.test(c.Name)),
    ];
    for (const sample of samples) {
      expect(sample).toBeDefined();
      const res = await stack.query(`query($id: Int!) { company(id: $id) { id ${COMPANY_FIELDS} } }`, { id: sample!.Id });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.company).toEqual(expectedCompany(sample!));
    }
  });

  it('is null with NOT_FOUND for an unknown company', async () => {
    const res = await stack.query(`{ company(id: ${stack.sims.dataset.fixtures.unknownCompanyId}) { name } }`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ company: null });
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors![0]!.path).toEqual(['company']);
    expect(res.body.errors![0]!.extensions).toMatchObject({ upstream: 'iqmetrix', upstreamStatus: 404 });
  });

  it('links to its organization by externalId, and back', async () => {
    const { dataset } = stack.sims;
    const companyId = dataset.fixtures.linkedCompanyIds[0]!;
    const org = [...dataset.organizations.values()].find((o) => o.externalId === String(companyId))!;
    const res = await stack.query(`query($id: Int!) { company(id: $id) { organization { organizationId externalId name company { companyId } } } }`, {
      id: companyId,
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.company.organization).toEqual({ organizationId: org.id, externalId: String(companyId), name: org.name, company: { companyId } });

    const unlinked = dataset.fixtures.unlinkedCompanyIds[0]!;
    const none = await stack.query(`{ company(id: ${unlinked}) { organization { name } } }`);
    expect(none.body).toEqual({ data: { company: { organization: null } } });
  });
});

describe('Organization', () => {
  const TYPES = { F: 'FACTORY', S: 'SUPPLIER', R: 'RETAILER', B: 'BRAND', I: 'INSPECTION_AGENCY' } as const;

  it('maps every organization type', async () => {
    const orgs = [...stack.sims.dataset.organizations.values()];
    for (const [letter, type] of Object.entries(TYPES)) {
      const org = orgs.find((o) => o.type === letter)!;
      const res = await stack.query(`query($id: Int!) { organization(id: $id) { id organizationId externalId type name inspId } }`, { id: org.id });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.organization).toEqual({
        id: encodeId('Organization', org.id),
        organizationId: org.id,
        externalId: org.externalId,
        type,
        name: org.name,
        inspId: org.inspId,
      });
    }
  });

  it('maps relationships: target, lead supplier, types, custom fields, contacts and all seven permissions', async () => {
    const { dataset } = stack.sims;
    const PERMS: Record<string, string> = {
      read: 'READ',
      edit: 'EDIT',
      full: 'FULL',
      share: 'SHARE',
      'relationship-read': 'RELATIONSHIP_READ',
      'relationship-edit': 'RELATIONSHIP_EDIT',
      'request-onboard': 'REQUEST_ONBOARD',
    };
    const seen = new Set<string>();
    let checked = 0;
    for (const [orgId, list] of dataset.organizationRelationships) {
      if (list.length === 0 || list.length > 100 || checked >= 40) continue;
      checked++;
      const res = await stack.query(
        `query($id: Int!) { organization(id: $id) { relationships(first: 100) { totalCount nodes {
          id source { organizationId } target { organizationId externalId type name inspId }
          leadSupplier { organizationId type name } types customFields
          contacts { firstName lastName email phoneNumber role } permissions } } } }`,
        { id: orgId },
      );
      expect(res.body.errors).toBeUndefined();
      const { totalCount, nodes } = res.body.data.organization.relationships;
      expect(totalCount).toBe(list.length);
      nodes.forEach((node: any, i: number) => {
        const wire = list[i]!;
        expect(node.id).toBe(encodeId('OrganizationRelationship', orgId, wire.target.id));
        expect(node.source).toEqual({ organizationId: orgId });
        expect(node.target).toEqual({
          organizationId: wire.target.id,
          externalId: wire.target.externalId,
          type: TYPES[wire.target.type],
          name: wire.target.name,
          inspId: wire.target.inspId,
        });
        expect(node.leadSupplier).toEqual(wire.leadSupplier ? { organizationId: wire.leadSupplier.id, type: 'SUPPLIER', name: wire.leadSupplier.name } : null);
        expect(node.types).toEqual(wire.types);
        expect(node.customFields).toEqual(wire.customFields);
        expect(node.contacts).toEqual(
          wire.contacts.map((c) => ({
            firstName: c.firstName ?? null,
            lastName: c.lastName ?? null,
            email: c.email ?? null,
            phoneNumber: c.phoneNumber ?? null,
            role: c.role ?? null,
          })),
        );
        expect(node.permissions).toEqual(wire.permissions.map((p) => PERMS[p]));
        node.permissions.forEach((p: string) => seen.add(p));
      });
    }
    expect([...seen].sort()).toEqual(Object.values(PERMS).sort());
  });

  it('filters relationships by type and target type before paging', async () => {
    const { dataset } = stack.sims;
    const orgId = dataset.fixtures.bigOrganizationId;
    const list = dataset.organizationRelationships.get(orgId)!;
    const someType = list.find((r) => r.types.length > 0)!.types[0]!;
    const expected = list.filter((r) => r.target.type === 'F' && r.types.includes(someType)).map((r) => r.target.id);
    const res = await stack.query(
      `query($id: Int!, $t: String!) { organization(id: $id) { relationships(first: 100, filter: { types: [$t], targetTypes: [FACTORY] }) {
        totalCount nodes { target { organizationId type } } } } }`,
      { id: orgId, t: someType },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.organization.relationships.totalCount).toBe(expected.length);
    expect(res.body.data.organization.relationships.nodes.map((n: any) => n.target.organizationId)).toEqual(expected);
  });

  it('finds an organization by externalId, and is NOT_FOUND for an unknown one', async () => {
    const companyId = stack.sims.dataset.fixtures.linkedCompanyIds[1]!;
    const ok = await stack.query(`query($e: String!) { organizationByExternalId(externalId: $e) { externalId company { companyId } } }`, { e: String(companyId) });
    expect(ok.body).toEqual({ data: { organizationByExternalId: { externalId: String(companyId), company: { companyId } } } });

    const missing = await stack.query(`{ organizationByExternalId(externalId: "no-such-id") { name } }`);
    expect(missing.body.data).toEqual({ organizationByExternalId: null });
    expect(codes(missing)).toEqual(['NOT_FOUND']);
  });

  it('is null with NOT_FOUND for an unknown organization', async () => {
    const res = await stack.query(`{ organization(id: ${stack.sims.dataset.fixtures.unknownOrganizationId}) { name } }`);
    expect(res.body.data).toEqual({ organization: null });
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors![0]!.extensions).toMatchObject({ upstream: 'inspectorio', upstreamStatus: 404 });
  });
});

describe('Partner', () => {
  it('lists relationships with createdAt, partner and company', async () => {
    const { dataset } = stack.sims;
    const partnerId = dataset.fixtures.bigPartnerId;
    const wire = dataset.partners.get(partnerId)!;
    const res = await stack.query(`query($id: Int!) { partner(id: $id) { id partnerId companyRelationships(first: 3) {
      totalCount edges { cursor node { relationshipId createdAt partner { partnerId } company { companyId name } } } } } }`, { id: partnerId });
    expect(res.body.errors).toBeUndefined();
    const partner = res.body.data.partner;
    expect(partner.id).toBe(encodeId('Partner', partnerId));
    expect(partner.companyRelationships.totalCount).toBe(wire.length);
    expect(partner.companyRelationships.edges.map((e: any) => e.node)).toEqual(
      wire.slice(0, 3).map((r) => ({ relationshipId: r.RelationshipId, createdAt: r.CreatedUtc, partner: { partnerId }, company: { companyId: r.CompanyId, name: r.CompanyName } })),
    );
  });

  it('answers an empty list for a partner with no relationships', async () => {
    const partnerId = stack.sims.dataset.fixtures.emptyPartnerIds[0]!;
    const res = await stack.query(`{ partner(id: ${partnerId}) { companyRelationships { totalCount nodes { relationshipId } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`);
    expect(res.body).toEqual({
      data: { partner: { companyRelationships: { totalCount: 0, nodes: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } } } },
    });
  });

  it('is null with NOT_FOUND for an unknown partner', async () => {
    const res = await stack.query(`{ partner(id: ${stack.sims.dataset.fixtures.unknownPartnerId}) { partnerId companyRelationships { totalCount } } }`);
    expect(res.body.data).toEqual({ partner: null });
    expect(codes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors![0]!.path).toEqual(['partner']);
  });
});
