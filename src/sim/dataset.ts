import type {
  InspContact,
  InspKeyValue,
  InspOrganization,
  InspOrganizationTypeCode,
  InspPermission,
  InspRelationship,
  InspRelationshipOrganization,
} from '../upstreams/inspectorio/wire.js';
import type { IqCompany, IqEntityRelationship, IqLogo, IqPartnerCompanyRelationship } from '../upstreams/iqmetrix/wire.js';
import { createRng, type Rng } from './random.js';

export interface SimFixtures {
  bigPartnerId: number;
  emptyPartnerIds: number[];
  bigOrganizationId: number;
  /** Companies of the big partner that have an Inspectorio organization (first ten, in relationship order). */
  linkedCompanyIds: number[];
  /** Companies of the big partner without one (first five, in relationship order). */
  unlinkedCompanyIds: number[];
  unknownPartnerId: number;
  unknownCompanyId: number;
  unknownOrganizationId: number;
}

export interface SimDataset {
  /** partnerId → relationships ordered by RelationshipId ascending. */
  partners: Map<number, IqPartnerCompanyRelationship[]>;
  companies: Map<number, IqCompany>;
  organizations: Map<number, InspOrganization>;
  /** source organization id → its whole relationship list (every organization has an entry, maybe empty). */
  organizationRelationships: Map<number, InspRelationship[]>;
  relationshipTypes: InspKeyValue[];
  contactRoles: InspKeyValue[];
  fixtures: SimFixtures;
}

export const DEFAULT_SEED = 20150114;

export const ALL_PERMISSIONS: readonly InspPermission[] = [
  'read',
  'edit',
  'full',
  'share',
  'relationship-read',
  'relationship-edit',
  'request-onboard',
];

const PARTNER_COUNT = 40;
const FIRST_PARTNER_ID = 36;
const BIG_PARTNER_RELATIONSHIPS = 240;
/** Positions (not ids) of the partners that have no relationships. */
const EMPTY_PARTNER_POSITIONS = [7, 19, 31];
const COMPANY_COUNT = 3000;
const FIRST_COMPANY_ID = 14000;
/** The company of the doc example (`Kentel Corp`, related to partner 36). */
const KENTEL_COMPANY_ID = 14146;
const LINKED_SHARE = 0.67;
const UNLINKED_ORGANIZATION_COUNT = 1000;
const FIRST_ORGANIZATION_ID = 1000;
const BIG_ORGANIZATION_RELATIONSHIPS = 180;

const SPECIAL_COMPANY_NAMES = [
  'Müller Elektronik GmbH',
  'Café Zürich',
  'Łódź Telecom',
  '株式会社テレコム',
  'Ñandú Móvil',
  'Ελληνικά Κινητά Α.Ε.',
  'Phone Shack 📱',
  "O'Brien's Wireless & \"Co\"",
];

const SPECIAL_ORGANIZATION_NAMES = [
  'Fábrica Têxtil São João',
  'Ткацкая фабрика №1',
  '上海纺织品有限公司',
  'Çelik Tekstil A.Ş.',
  'Øresund Inspection ApS',
  'Đông Á Garment Factory',
];

const NAME_HEADS = [
  'Kentel', 'Northwind', 'Bluewater', 'Summit', 'Redline', 'Pacific', 'Maple', 'Granite', 'Harbor', 'Prairie',
  'Coastal', 'Evergreen', 'Silverline', 'Urban', 'Metro', 'Frontier', 'Lakeside', 'Ironwood', 'Sterling', 'Crescent',
  'Nordic', 'Alpine', 'Aurora', 'Zenith', 'Cascade', 'Orchard', 'Beacon', 'Keystone', 'Riverbend', 'Westbrook',
  'Nørrebro', 'Göteborg', 'Kraków', 'Señora', 'Zürichsee', 'Besançon',
];
const COMPANY_MIDDLES = ['Wireless', 'Mobile', 'Telecom', 'Cellular', 'Communications', 'Connect', 'Electronics', 'Networks', 'Devices', 'Digital'];
const COMPANY_TAILS = ['Corp', 'Inc.', 'Ltd.', 'LLC', 'Group', 'Co.', 'Partners', 'Holdings', 'GmbH', 'S.A.'];
const ORGANIZATION_MIDDLES: Record<InspOrganizationTypeCode, string[]> = {
  F: ['Garment Factory', 'Textile Mill', 'Footwear Factory', 'Manufacturing Co.', 'Knitting Works', 'Plastics Plant'],
  S: ['Supplies Ltd.', 'Trading Co.', 'Sourcing Group', 'Export Ltd.', 'Components Inc.'],
  R: ['Retail', 'Stores', 'Department Stores', 'Outlet Group'],
  B: ['Brands', 'Apparel', 'Outdoor', 'Home & Living'],
  I: ['Inspection Services', 'Quality Assurance', 'Testing Labs', 'Audit Partners'],
};
const REGIONS = ['West', 'East', 'Central', 'North', 'South', 'Québec', 'Atlantic'];
const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'CN', 'VN', 'BD', 'IN', 'TR', 'MX', 'BR', 'JP', 'PL', 'ES', 'IT', 'KR', 'TH', 'ID', 'PK'];
const FIRST_NAMES = ['Joe', 'Anna', 'José', 'Zoë', 'Łukasz', 'Søren', 'Mei', 'Hiroshi', 'Fatima', 'Chloé', 'Nguyễn', 'Olga', 'Priya', 'Björn'];
const LAST_NAMES = ['Blogs', 'Smith', 'García', 'Müller', 'Kowalski', 'Jørgensen', '田中', 'Li', 'Öztürk', 'Dubois', 'Trần', 'Ivanova', 'Patel'];

const RELATIONSHIP_TYPES: InspKeyValue[] = [
  { key: 'contract-manufacturer', value: 'contract manufacturer' },
  { key: 'subcontractor', value: 'subcontractor' },
  { key: 'agent', value: 'agent' },
  { key: 'vendor', value: 'vendor' },
  { key: 'trading-company', value: 'trading company' },
  { key: 'raw-material-supplier', value: 'raw material supplier' },
];

const CONTACT_ROLES: InspKeyValue[] = [
  { key: 'sourcing-manager', value: 'Sourcing Manager' },
  { key: 'quality-manager', value: 'Quality Manager' },
  { key: 'compliance-officer', value: 'Compliance Officer' },
  { key: 'account-manager', value: 'Account Manager' },
  { key: 'factory-manager', value: 'Factory Manager' },
];

const PERMISSION_ODDS: Record<InspPermission, number> = {
  read: 0.95,
  edit: 0.5,
  full: 0.2,
  share: 0.3,
  'relationship-read': 0.6,
  'relationship-edit': 0.3,
  'request-onboard': 0.15,
};

const MS_PER_DAY = 86_400_000;
const COMPANY_EPOCH = Date.UTC(2012, 0, 1);
const RELATIONSHIP_EPOCH = Date.UTC(2015, 0, 14, 11, 22, 50, 568);

function weighted<T extends string>(weights: Record<T, number>): (rng: Rng) => T {
  const entries = Object.entries(weights) as Array<[T, number]>;
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  return (rng) => {
    let roll = rng.next() * total;
    for (const [value, w] of entries) {
      roll -= w;
      if (roll < 0) return value;
    }
    return entries[entries.length - 1]![0];
  };
}

const linkedOrganizationType = weighted<InspOrganizationTypeCode>({ S: 35, F: 25, R: 20, B: 15, I: 5 });
const unlinkedOrganizationType = weighted<InspOrganizationTypeCode>({ F: 45, S: 30, R: 8, B: 10, I: 7 });

/** Both precisions the docs show: `…50.568Z` and `…29.7700813Z`. */
function isoDate(rng: Rng, ms: number, sevenDigits: boolean): string {
  const iso = new Date(ms).toISOString();
  if (!sevenDigits) return iso;
  return `${iso.slice(0, 23)}${String(rng.int(0, 9999)).padStart(4, '0')}Z`;
}

function guid(rng: Rng): string {
  const h = rng.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function asciiSlug(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '')
    .toLowerCase();
}

/** Ids that grow irregularly: mostly small steps, sometimes a wider gap. */
function irregularIds(rng: Rng, first: number, count: number, mustInclude?: number): number[] {
  const ids: number[] = [];
  let id = first;
  for (let i = 0; i < count; i++) {
    ids.push(id);
    let step = rng.chance(0.04) ? rng.int(5, 20) : rng.int(1, 3);
    if (mustInclude !== undefined && id < mustInclude && id + step > mustInclude) step = mustInclude - id;
    id += step;
  }
  return ids;
}

function makeLogo(rng: Rng): IqLogo {
  const id = guid(rng);
  const logo: IqLogo = {
    Id: id,
    Name: rng.pick(['logo.png', 'Logo.png', 'brand-mark.png', 'store-logo.jpg']),
    Href: `https://amsdemostorage.blob.core.windows.net/assets/${id}.png`,
    MimeType: 'image/png',
    Width: rng.int(64, 512),
    Height: rng.int(64, 512),
  };
  if (rng.chance(0.9)) logo.Md5Checksum = rng.hex(32);
  return logo;
}

function makeAttributes(rng: Rng): Record<string, unknown> {
  if (rng.chance(0.2)) return {};
  const attributes: Record<string, unknown> = { Region: rng.pick(REGIONS) };
  if (rng.chance(0.5)) attributes.StoreCount = rng.int(1, 250);
  if (rng.chance(0.3)) attributes.Dealer = rng.chance(0.5);
  if (rng.chance(0.2)) attributes.Notes = rng.pick(['Priority account', 'Müller-Gruppe', 'Franchisé', '']);
  return attributes;
}

function makeCompany(rng: Rng, id: number, name: string, links: IqEntityRelationship[]): IqCompany {
  const created = COMPANY_EPOCH + rng.int(0, 3 * 365) * MS_PER_DAY + rng.int(0, MS_PER_DAY - 1);
  const modified = created + rng.int(0, 9 * 365) * MS_PER_DAY + rng.int(0, MS_PER_DAY - 1);
  // Built in the documented field order; optional fields are left out (not undefined) so JSON omits them.
  const company: IqCompany = { Id: id, Name: name };
  if (!rng.chance(0.3)) company.DisplayName = rng.chance(0.5) ? name : name.split(' ')[0] ?? name;
  company.Description = rng.chance(0.25) ? null : `${rng.pick(['Authorized', 'Premier', 'Independent'])} dealer, ${rng.pick(REGIONS)} region`;
  company.ClientEntityId = rng.chance(0.2) ? null : String(rng.int(100000, 999999));
  company.CreatedUtc = isoDate(rng, created, rng.chance(0.5));
  company.LastModifiedUtc = isoDate(rng, modified, rng.chance(0.5));
  company.Attributes = makeAttributes(rng);
  company.Logo = rng.chance(0.35) ? null : makeLogo(rng);
  company.Roles = [{ Name: 'Company' }];
  company.Relationships = links;
  company.SortName = name.toLowerCase();
  company.Version = rng.int(1, 40);
  return company;
}

function projection(org: InspOrganization): InspRelationshipOrganization {
  return { id: org.id, externalId: org.externalId, type: org.type, name: org.name, inspId: org.inspId };
}

const FIRST_NAME_SLUGS = new Map(FIRST_NAMES.map((n) => [n, asciiSlug(n)]));
const LAST_NAME_SLUGS = new Map(LAST_NAMES.map((n) => [n, asciiSlug(n)]));

function makeContact(rng: Rng): InspContact {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const contact: InspContact = {};
  // Each field is sometimes absent and sometimes null, as real customer data is.
  const presence = () => {
    const roll = rng.next();
    return roll < 0.1 ? 'absent' : roll < 0.2 ? 'null' : 'value';
  };
  let p = presence();
  if (p !== 'absent') contact.firstName = p === 'null' ? null : first;
  p = presence();
  if (p !== 'absent') contact.lastName = p === 'null' ? null : last;
  p = presence();
  if (p !== 'absent') contact.email = p === 'null' ? null : `${FIRST_NAME_SLUGS.get(first) || 'contact'}.${LAST_NAME_SLUGS.get(last) || 'x'}@example.com`;
  p = presence();
  if (p !== 'absent') contact.phoneNumber = p === 'null' ? null : `+${rng.int(1, 99)} ${rng.int(10, 99)} ${rng.int(100000, 9999999)}`;
  p = presence();
  if (p !== 'absent') contact.role = p === 'null' ? null : rng.chance(0.85) ? rng.pick(CONTACT_ROLES).value : 'Merchandiser (seasonal)';
  return contact;
}

function makeContacts(rng: Rng, count: number): InspContact[] {
  const contacts: InspContact[] = [];
  for (let i = 0; i < count; i++) contacts.push(makeContact(rng));
  return contacts;
}

function makeCustomFields(rng: Rng): Record<string, unknown> {
  if (rng.chance(0.3)) return {};
  const fields: Record<string, unknown> = {};
  if (rng.chance(0.5)) fields.auditScore = `${rng.int(40, 100)}`;
  if (rng.chance(0.4)) fields.vendorCode = `V-${rng.int(1000, 9999)}`;
  if (rng.chance(0.2)) fields.notes = rng.pick(['Prüfung bestanden', 'needs follow-up', '要跟进', '']);
  // custom1 (the doc example's field) is the fallback so a non-empty object never comes out empty.
  if (rng.chance(0.7) || (fields.auditScore ?? fields.vendorCode ?? fields.notes) === undefined) {
    fields.custom1 = `20${rng.int(20, 26)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`;
  }
  return fields;
}

function makePermissions(rng: Rng): InspPermission[] {
  return ALL_PERMISSIONS.filter((p) => rng.chance(PERMISSION_ODDS[p]));
}

export function createDataset(opts: { seed?: number } = {}): SimDataset {
  const rng = createRng(opts.seed ?? DEFAULT_SEED);

  // Companies: ids, names and whether Inspectorio knows them.
  const companyIds = irregularIds(rng, FIRST_COMPANY_ID, COMPANY_COUNT, KENTEL_COMPANY_ID);
  const specialCompanyIds = new Set<number>([KENTEL_COMPANY_ID]);
  const companyNames = new Map<number, string>();
  companyIds.forEach((id, index) => {
    const special = index >= 1 && index <= SPECIAL_COMPANY_NAMES.length ? SPECIAL_COMPANY_NAMES[index - 1] : undefined;
    if (special !== undefined) specialCompanyIds.add(id);
    const name =
      id === KENTEL_COMPANY_ID
        ? 'Kentel Corp'
        : (special ?? `${rng.pick(NAME_HEADS)} ${rng.pick(COMPANY_MIDDLES)} ${rng.pick(COMPANY_TAILS)}`);
    companyNames.set(id, name);
  });
  const linked = new Set(companyIds.filter((id) => specialCompanyIds.has(id) || rng.chance(LINKED_SHARE)));
  const linkedIds = companyIds.filter((id) => linked.has(id));
  const unlinkedIds = companyIds.filter((id) => !linked.has(id));

  // Partners and which companies each one is related to.
  const partnerIds = irregularIds(rng, FIRST_PARTNER_ID, PARTNER_COUNT);
  const bigPartnerId = FIRST_PARTNER_ID;
  const emptyPartnerIds = EMPTY_PARTNER_POSITIONS.map((i) => partnerIds[i]!);
  const pairs: Array<[partnerId: number, companyId: number]> = [];
  for (const partnerId of partnerIds) {
    let members: number[];
    if (partnerId === bigPartnerId) {
      const special = [...specialCompanyIds];
      const unlinkedCount = Math.round(BIG_PARTNER_RELATIONSHIPS * 0.1);
      const linkedPool = linkedIds.filter((id) => !specialCompanyIds.has(id));
      members = [
        ...special,
        ...rng.sample(linkedPool, BIG_PARTNER_RELATIONSHIPS - special.length - unlinkedCount),
        ...rng.sample(unlinkedIds, unlinkedCount),
      ];
    } else if (emptyPartnerIds.includes(partnerId)) {
      members = [];
    } else {
      members = rng.sample(companyIds, rng.int(1, 80));
    }
    for (const companyId of members) pairs.push([partnerId, companyId]);
  }

  // RelationshipIds are global and grow with CreatedUtc, so each partner's list sorted by id is also chronological.
  rng.shuffle(pairs);
  const partners = new Map<number, IqPartnerCompanyRelationship[]>(partnerIds.map((id) => [id, []]));
  const companyLinks = new Map<number, IqEntityRelationship[]>(companyIds.map((id) => [id, []]));
  let relationshipId = 100;
  let relationshipTime = RELATIONSHIP_EPOCH;
  for (const [partnerId, companyId] of pairs) {
    const createdUtc = new Date(relationshipTime).toISOString();
    partners.get(partnerId)!.push({ RelationshipId: relationshipId, CreatedUtc: createdUtc, CompanyId: companyId, CompanyName: companyNames.get(companyId)! });
    companyLinks.get(companyId)!.push({ Id: relationshipId, Source: partnerId, Destination: companyId, CreatedUtc: createdUtc, Version: rng.int(1, 3) });
    relationshipId += rng.int(1, 4);
    relationshipTime += rng.int(60_000, 3 * MS_PER_DAY);
  }

  const companies = new Map<number, IqCompany>();
  for (const id of companyIds) companies.set(id, makeCompany(rng, id, companyNames.get(id)!, companyLinks.get(id)!));

  // Organizations: one per linked company, plus organizations no company points at.
  type Draft = Omit<InspOrganization, 'id'> & { companyId?: number };
  const drafts: Draft[] = [];
  for (const companyId of linkedIds) {
    drafts.push({
      companyId,
      externalId: String(companyId),
      type: linkedOrganizationType(rng),
      name: companyNames.get(companyId)!,
      inspId: null,
    });
  }
  const usedExternalIds = new Set<string>();
  for (let i = 0; i < UNLINKED_ORGANIZATION_COUNT; i++) {
    const type = unlinkedOrganizationType(rng);
    let externalId: string | null = null;
    if (rng.chance(0.8)) {
      do externalId = `${type}${rng.int(1000, 99999)}`;
      while (usedExternalIds.has(externalId));
      usedExternalIds.add(externalId);
    }
    const name = i < SPECIAL_ORGANIZATION_NAMES.length ? SPECIAL_ORGANIZATION_NAMES[i]! : `${rng.pick(NAME_HEADS)} ${rng.pick(ORGANIZATION_MIDDLES[type])}`;
    drafts.push({ externalId, type, name, inspId: null });
  }
  rng.shuffle(drafts);

  const organizationIds = irregularIds(rng, FIRST_ORGANIZATION_ID, drafts.length);
  const organizations = new Map<number, InspOrganization>();
  const organizationOfCompany = new Map<number, number>();
  drafts.forEach((draft, index) => {
    const id = organizationIds[index]!;
    const org: InspOrganization = {
      id,
      externalId: draft.externalId,
      type: draft.type,
      name: draft.name,
      inspId: rng.chance(0.75) ? rng.hex(rng.int(6, 10)).toUpperCase() : null,
    };
    if (rng.chance(0.85)) org.country = rng.pick(COUNTRIES);
    org.relationshipsCount = 0;
    organizations.set(id, org);
    if (draft.companyId !== undefined) organizationOfCompany.set(draft.companyId, id);
  });

  const allOrgs = [...organizations.values()];
  const factories = allOrgs.filter((o) => o.type === 'F');
  const nonFactories = allOrgs.filter((o) => o.type !== 'F');
  const suppliers = allOrgs.filter((o) => o.type === 'S');
  const linkedOrgIds = new Set(organizationOfCompany.values());
  const bigOrganizationId = organizationOfCompany.get(KENTEL_COMPANY_ID)!;
  const typeValues = RELATIONSHIP_TYPES.map((t) => t.value);

  // Relationships share one projection object per organization: the dataset is read-only, and this halves allocation.
  const projections = new Map<number, InspRelationshipOrganization>();
  const projectionOf = (org: InspOrganization) => {
    let p = projections.get(org.id);
    if (!p) projections.set(org.id, (p = projection(org)));
    return p;
  };
  const pickOther = (pool: readonly InspOrganization[], excludeId: number) => {
    for (;;) {
      const candidate = rng.pick(pool);
      if (candidate.id !== excludeId) return candidate;
    }
  };

  const organizationRelationships = new Map<number, InspRelationship[]>();
  for (const source of allOrgs) {
    const targets = new Map<number, InspOrganization>();
    const add = (pool: readonly InspOrganization[]) => {
      // Rejection sampling is fine: lists are tiny compared with the pools.
      for (;;) {
        const candidate = rng.pick(pool);
        if (candidate.id !== source.id && !targets.has(candidate.id)) {
          targets.set(candidate.id, candidate);
          return;
        }
      }
    };
    let size: number;
    if (source.id === bigOrganizationId) size = BIG_ORGANIZATION_RELATIONSHIPS;
    else if (linkedOrgIds.has(source.id)) size = rng.skewedInt(2, 15);
    else size = rng.chance(0.2) ? 0 : rng.skewedInt(1, 15);
    // Every linked organization reaches at least one factory and one organization of another type.
    if (linkedOrgIds.has(source.id)) {
      add(factories);
      add(nonFactories);
    }
    while (targets.size < size) add(allOrgs);

    const list: InspRelationship[] = rng.shuffle([...targets.values()]).map((target) => ({
      target: projectionOf(target),
      leadSupplier: rng.chance(0.3) ? projectionOf(pickOther(suppliers, source.id)) : null,
      types: rng.sample(typeValues, rng.int(0, 3)),
      customFields: makeCustomFields(rng),
      contacts: makeContacts(rng, rng.skewedInt(0, 3)),
      permissions: makePermissions(rng),
    }));
    if (source.id === bigOrganizationId && list[0]) list[0].permissions = [...ALL_PERMISSIONS];
    source.relationshipsCount = list.length;
    organizationRelationships.set(source.id, list);
  }

  const bigPartnerCompanies = partners.get(bigPartnerId)!.map((r) => r.CompanyId);
  const firstGap = (taken: (id: number) => boolean, from: number) => {
    let id = from;
    while (taken(id)) id++;
    return id;
  };

  return {
    partners,
    companies,
    organizations,
    organizationRelationships,
    relationshipTypes: RELATIONSHIP_TYPES.map((t) => ({ ...t })),
    contactRoles: CONTACT_ROLES.map((r) => ({ ...r })),
    fixtures: {
      bigPartnerId,
      emptyPartnerIds,
      bigOrganizationId,
      linkedCompanyIds: bigPartnerCompanies.filter((id) => linked.has(id)).slice(0, 10),
      unlinkedCompanyIds: bigPartnerCompanies.filter((id) => !linked.has(id)).slice(0, 5),
      unknownPartnerId: firstGap((id) => partners.has(id), FIRST_PARTNER_ID),
      unknownCompanyId: firstGap((id) => companies.has(id), FIRST_COMPANY_ID),
      unknownOrganizationId: firstGap((id) => organizations.has(id), FIRST_ORGANIZATION_ID),
    },
  };
}
