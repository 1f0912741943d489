import { codes, startStack, type Stack } from '../helpers/stack.js';

// What a production gateway tells a stranger about its schema: no suggestions in any error
// (validation, variable coercion), no introspection unless INTROSPECTION=true, and `_service { sdl }` unless SERVICE_SDL=false.

const PRODUCTION = { NODE_ENV: 'production', SIMULATORS: 'true' };
const TYPO = '{ company(id: 1) { nmae } }';
const BAD_ARGUMENT = '{ company(idd: 1) { name } }';
const RELATIONSHIPS = 'query ($t: [OrganizationType!], $f: OrganizationRelationshipFilter) { a: organization(id: 1) { relationships(first: 1, filter: { targetTypes: $t }) { pageInfo { hasNextPage } } } b: organization(id: 1) { relationships(first: 1, filter: $f) { pageInfo { hasNextPage } } } }';
/** An enum value in the wrong case, in a variable: refused while coercing variables, not by validation. */
const ENUM_VARIABLE = { t: ['factory'] };
/** A misspelt input object field, in a variable. */
const INPUT_FIELD_VARIABLE = { f: { targetType: ['FACTORY'] } };

/** Client mistakes graphql-js answers with a suggestion in development, at every stage: validation, variable coercion. */
const MISTAKES: Array<{ name: string; query: string; variables?: Record<string, unknown> }> = [
  { name: 'misspelt field', query: TYPO },
  { name: 'misspelt argument', query: BAD_ARGUMENT },
  { name: 'enum variable', query: RELATIONSHIPS, variables: ENUM_VARIABLE },
  { name: 'input field in a variable', query: RELATIONSHIPS, variables: INPUT_FIELD_VARIABLE },
  { name: 'enum value in a literal', query: '{ organization(id: 1) { relationships(first: 1, filter: { targetTypes: [FACTORI] }) { pageInfo { hasNextPage } } } }' },
  { name: 'input field in a literal', query: '{ organization(id: 1) { relationships(first: 1, filter: { targetType: [FACTORY] }) { pageInfo { hasNextPage } } } }' },
  { name: 'variable of an unknown type', query: 'query ($f: OrganizationRelationshipFiltr) { organization(id: 1) { relationships(first: 1, filter: $f) { pageInfo { hasNextPage } } } }' },
  { name: 'fragment on an unknown type', query: '{ company(id: 1) { ... on Compny { name } } }' },
  { name: 'field of an interface', query: '{ node(id: "x") { name } }' },
  { name: 'misspelt directive argument', query: '{ company(id: 1) { name @skip(iff: true) } }' },
];

describe('NODE_ENV=production', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ env: PRODUCTION });
  });
  afterAll(() => stack.close());

  it('refuses a misspelt field without suggesting the right one', async () => {
    const response = await stack.query(TYPO);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0]!.message).toBe('Cannot query field "nmae" on type "Company".');
    expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/);
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('refuses a misspelt argument without suggestions', async () => {
    const response = await stack.query(BAD_ARGUMENT);
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/);
  });

  it('refuses an enum variable in the wrong case without naming the enum value', async () => {
    const response = await stack.query(RELATIONSHIPS, ENUM_VARIABLE);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.message).toBe('Variable "$t" got invalid value "factory" at "t[0]"; Value "factory" does not exist in "OrganizationType" enum.');
    expect(stack.upstreamRequests()).toEqual({});
  });

  it('refuses a misspelt input field in a variable without naming the right one', async () => {
    const response = await stack.query(RELATIONSHIPS, INPUT_FIELD_VARIABLE);
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.body.errors![0]!.message).toBe('Variable "$f" got invalid value { targetType: ["FACTORY"] }; Field "targetType" is not defined by type "OrganizationRelationshipFilter".');
  });

  it.each(MISTAKES)('suggests nothing: $name', async ({ query, variables }) => {
    const response = await stack.query(query, variables);
    expect(response.status).toBe(400);
    expect(response.body.errors!.length).toBeGreaterThan(0);
    for (const error of response.body.errors!) expect(error.message).not.toMatch(/Did you mean/);
    expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/);
  });

  it('refuses introspection, naming the setting that allows it', async () => {
    const response = await stack.query('{ __schema { types { name } } }');
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0]!.message).toMatch(/Introspection is turned off.*INTROSPECTION=true/);
    expect(response.body.errors![0]!.message).not.toMatch(/ApolloServer/);
    expect(response.body.errors![0]!.extensions?.validationErrorCode).toBe('INTROSPECTION_DISABLED');
  });

  it('still serves _service { sdl } to routers', async () => {
    const response = await stack.query('{ _service { sdl } }');
    expect(response.status).toBe(200);
    expect(response.body.data._service.sdl).toMatch(/type Company/);
  });
});

describe('in development', () => {
  it('suggests, which is why production must not', async () => {
    const stack = await startStack();
    try {
      const response = await stack.query(TYPO);
      expect(response.status).toBe(400);
      expect(response.body.errors![0]!.message).toMatch(/Did you mean "name"/);
      const argument = await stack.query(BAD_ARGUMENT);
      expect(argument.status).toBe(400);
      expect(argument.body.errors!.map((e) => e.message).join('\n')).toMatch(/Did you mean "id"/);
      const enumValue = await stack.query(RELATIONSHIPS, ENUM_VARIABLE);
      expect(enumValue.body.errors![0]!.message).toMatch(/Did you mean the enum value "FACTORY"\?$/);
      const inputField = await stack.query(RELATIONSHIPS, INPUT_FIELD_VARIABLE);
      expect(inputField.body.errors![0]!.message).toMatch(/Did you mean "targetTypes"\?$/);
      // Each mistake of the production sweep does suggest here, so that sweep proves the stripping.
      for (const { name, query, variables } of MISTAKES) {
        const response = await stack.query(query, variables);
        expect([name, JSON.stringify(response.body)]).toEqual([name, expect.stringMatching(/Did you mean/)]);
      }
    } finally {
      await stack.close();
    }
  });
});

describe('INTROSPECTION=true and SERVICE_SDL=false in production', () => {
  it('answers introspection, and refuses _service with 400 before anything runs', async () => {
    const stack = await startStack({ env: { ...PRODUCTION, INTROSPECTION: 'true', SERVICE_SDL: 'false' } });
    try {
      const introspection = await stack.query('{ __schema { queryType { name } } }');
      expect(introspection.status).toBe(200);
      expect(introspection.body.data.__schema.queryType.name).toBe('Query');
      const sdl = await stack.query('{ _service { sdl } }');
      expect(sdl.status).toBe(400);
      expect(codes(sdl)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(sdl.body.errors![0]!.message).toMatch(/SERVICE_SDL=false/);
      expect(sdl.body.data).toBeUndefined();
    } finally {
      await stack.close();
    }
  });
});
