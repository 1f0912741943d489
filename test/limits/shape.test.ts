import { getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import { DEFAULT_LIMITS, operationShape } from '../../src/plugins/limits/index.js';
import { PARTNER_SUPPLY_NETWORK } from './queries.js';

function shape(query: string) {
  const document = parse(query);
  return operationShape(document, getOperationAST(document)!);
}

describe('operationShape', () => {
  it('measures PartnerSupplyNetwork 10 deep, 5 under the default limit', () => {
    expect(shape(PARTNER_SUPPLY_NETWORK)).toEqual({ depth: 10, aliases: 0 });
    expect(DEFAULT_LIMITS.maxDepth - 10).toBe(5);
  });

  it('counts fields, not fragments, as levels', () => {
    expect(shape(`{ company(id: 1) { organization { name } } }`).depth).toBe(3);
    expect(shape(`{ company(id: 1) { ...F } } fragment F on Company { ...G } fragment G on Company { organization { name } }`).depth).toBe(3);
    expect(shape(`{ company(id: 1) { ... on Company { ... { organization { name } } } } }`).depth).toBe(3);
    expect(shape(`{ __typename }`).depth).toBe(1);
  });

  it('takes the deepest branch, including ones that @skip may drop', () => {
    expect(shape(`query($s: Boolean!) { a: company(id: 1) { name } company(id: 2) @skip(if: $s) { organization { company { name } } } }`)).toEqual({ depth: 4, aliases: 1 });
  });

  it('gives introspection no depth, so the full introspection query always fits', () => {
    expect(shape(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }))).toEqual({ depth: 0, aliases: 0 });
  });

  it('counts the aliases in a fragment once per spread', () => {
    const query = `{ a: company(id: 1) { ...F } b: company(id: 2) { ...F } }
      fragment F on Company { x: name y: organization { z: name } }`;
    expect(shape(query).aliases).toBe(2 + 2 * 3);
  });

  it('stays linear when fragments spread fragments exponentially often', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^40 expanded aliases from a few hundred tokens.
    const n = 40;
    const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Company { a${i}: name organization { company { ...F${i + 1} } } company2: organization { company { ...F${i + 1} } } }`);
    fragments.push(`fragment F${n} on Company { z: name }`);
    const started = performance.now();
    const result = shape(`{ company(id: 1) { ...F0 } } ${fragments.join('\n')}`);
    expect(performance.now() - started).toBeLessThan(100);
    expect(result.depth).toBe(1 + 2 * n + 1);
    expect(result.aliases).toBeGreaterThan(2 ** n);
  });

  it('does not loop on a fragment cycle (which validation rejects)', () => {
    expect(shape(`{ company(id: 1) { ...A } } fragment A on Company { organization { company { ...B } } } fragment B on Company { ...A }`).depth).toBe(3);
  });
});
