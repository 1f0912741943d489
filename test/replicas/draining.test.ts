import { request } from 'undici';
import { startStack, type Stack } from '../helpers/stack.js';

// While a replica waits out SHUTDOWN_DELAY_MS, it still answers, but closes each connection
// with its answer, so that a load balancer holds no idle connection for the drain to cut.

describe('a gateway shutting down', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ env: { SHUTDOWN_DELAY_MS: '1000' } });
  });

  afterAll(async () => {
    await stack?.sims.close();
  });

  it('keeps connections alive while serving, and closes each with its answer once stopping', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const before = await request(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await before.body.text();
    expect(before.headers.connection).toBe('keep-alive');

    const closing = stack.gateway.close();
    const during = await request(stack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await during.body.json()).toEqual({ data: { __typename: 'Query' } });
    expect(during.headers.connection).toBe('close');
    await closing;
  });
});
