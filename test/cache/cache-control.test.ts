import { PARTNER_SUPPLY_NETWORK } from '../../src/graph/example-queries.js';
import { linkedCompanyIds, startStack, type Stack } from '../helpers/stack.js';

// Cache-Control from the schema's @cacheControl hints, worked out per document
// (src/plugins/cache-hints/static-policy.ts) with Apollo's rules: the lowest maxAge of the
// fields selected, a composite or root field without a hint is uncacheable, inheritMaxAge
// types take their parent's, and an abstract return type without a hint (_entities) takes
// the hints of the object types selected.

describe('Cache-Control from the type hints', () => {
  let stack: Stack;
  let company: number;
  beforeAll(async () => {
    stack = await startStack();
    company = linkedCompanyIds(stack.sims.dataset, 1)[0]!;
  });
  afterAll(() => stack.close());

  const header = async (query: string, variables?: Record<string, unknown>) => {
    const res = await stack.query(query, variables);
    expect(res.body.errors).toBeUndefined();
    return res.headers['cache-control'];
  };

  it('the lowest maxAge of the selected types', async () => {
    expect(await header(`{ company(id: ${company}) { name } }`)).toBe('max-age=60, public');
    expect(await header(`{ company(id: ${company}) { organization { name } } }`)).toBe('max-age=60, public');
    expect(await header(`{ company(id: ${company}) { organization { relationships(first: 2) { totalCount pageInfo { hasNextPage } nodes { types contacts { role } } } } } }`)).toBe(
      'max-age=30, public',
    );
    expect(await header(PARTNER_SUPPLY_NETWORK, { partnerId: stack.sims.dataset.fixtures.bigPartnerId })).toBe('max-age=30, public');
  });

  it('fragments and @include/@skip count as they select', async () => {
    const query = `query Q($deep: Boolean!) { company(id: ${company}) { ...C organization @include(if: $deep) { ...O } } }
      fragment C on Company { name }
      fragment O on Organization { relationships(first: 1) { totalCount } }`;
    expect(await header(query, { deep: false })).toBe('max-age=60, public');
    expect(await header(query, { deep: true })).toBe('max-age=30, public');
    // A default value counts as given.
    expect(await header(query.replace('$deep: Boolean!', '$deep: Boolean = true'))).toBe('max-age=30, public');
  });

  it('interfaces and _entities: the hint of the interface, or of the entity types selected', async () => {
    const id = Buffer.from(`Company:${company}`, 'utf8').toString('base64url');
    const node = await stack.query(`{ node(id: "${id}") { id ... on Company { name } } }`);
    expect(node.body.errors).toBeUndefined();
    expect(node.body.data.node).not.toBeNull();
    expect(node.headers['cache-control']).toBe('max-age=30, public');
    expect(
      await header(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Company { name } } }`, { r: [{ __typename: 'Company', companyId: company }] }),
    ).toBe('max-age=60, public');
  });

  it('nothing cacheable selected: no-store', async () => {
    expect(await header('{ __typename }')).toBe('no-store');
  });
});
