import { codes, startStack, type Stack } from '../helpers/stack.js';

// What a production gateway tells a stranger about its schema: no suggestions in validation
// errors, no introspection unless INTROSPECTION=true, and `_service { sdl }` unless SERVICE_SDL=false.

const PRODUCTION = { NODE_ENV: 'production', SIMULATORS: 'true' };
const TYPO = '{ company(id: 1) { nmae } }';
const BAD_ARGUMENT = '{ company(idd: 1) { name } }';

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

  it('refuses introspection', async () => {
    const response = await stack.query('{ __schema { types { name } } }');
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(response.body.errors![0]!.message).toMatch(/introspection/i);
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
