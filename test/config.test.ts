import { loadConfig } from '../src/config.js';
import { configProblems } from './helpers/config.js';


describe('loadConfig', () => {
  it('defaults to the simulators on port 4000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(4000);
    expect(config.upstreams).toBeNull();
    expect(config.authMode).toBe('service');
    expect(config.landingPage).toBe(true);
  });

  it('reads real upstreams with a static token or the OAuth set', () => {
    const base = { IQMETRIX_URL: 'https://entitymanagerdemo.iqmetrix.net/v1/', INSPECTORIO_URL: 'https://sm.example', INSPECTORIO_API_KEY: 'k' };
    expect(loadConfig({ ...base, IQMETRIX_TOKEN: 't' }).upstreams!.iqmetrix).toMatchObject({ url: 'https://entitymanagerdemo.iqmetrix.net/v1', token: 't' });
    const oauth = loadConfig({
      ...base,
      IQMETRIX_ACCOUNTS_URL: 'https://accountsdemo.iqmetrix.net/v1',
      IQMETRIX_CLIENT_ID: 'c',
      IQMETRIX_CLIENT_SECRET: 's',
      IQMETRIX_USERNAME: 'u',
      IQMETRIX_PASSWORD: 'p',
    });
    expect(oauth.upstreams!.iqmetrix.oauth).toEqual({ accountsUrl: 'https://accountsdemo.iqmetrix.net/v1', clientId: 'c', clientSecret: 's', username: 'u', password: 'p' });
    expect(loadConfig({ IQMETRIX_URL: base.IQMETRIX_URL, INSPECTORIO_URL: base.INSPECTORIO_URL, AUTH_MODE: 'passthrough' }).authMode).toBe('passthrough');
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535/],
    [{ IQMETRIX_URL: 'https://x.example/v1', IQMETRIX_TOKEN: 't' }, /INSPECTORIO_URL must be set too/],
    [{ IQMETRIX_URL: 'https://x.example', INSPECTORIO_URL: 'https://y.example', IQMETRIX_TOKEN: 't', INSPECTORIO_API_KEY: 'k' }, /IQMETRIX_URL must include the API version/],
    [{ IQMETRIX_URL: 'https://x.example/v1', INSPECTORIO_URL: 'https://y.example/v2', IQMETRIX_TOKEN: 't', INSPECTORIO_API_KEY: 'k' }, /INSPECTORIO_URL must not include a version/],
    [{ IQMETRIX_URL: 'ftp://x.example/v1', INSPECTORIO_URL: 'https://y.example', IQMETRIX_TOKEN: 't', INSPECTORIO_API_KEY: 'k' }, /IQMETRIX_URL must be an http\(s\) URL/],
    [{ IQMETRIX_URL: 'https://x.example/v1', INSPECTORIO_URL: 'https://y.example', INSPECTORIO_API_KEY: 'k' }, /IQMETRIX_TOKEN .* or the IQMETRIX_ACCOUNTS_URL/],
    [{ IQMETRIX_URL: 'https://x.example/v1', INSPECTORIO_URL: 'https://y.example', IQMETRIX_TOKEN: 't' }, /INSPECTORIO_API_KEY must be set/],
    [{ IQMETRIX_URL: 'https://x.example/v1', INSPECTORIO_URL: 'https://y.example', INSPECTORIO_API_KEY: 'k', IQMETRIX_CLIENT_ID: 'c' }, /OAuth settings go together: IQMETRIX_ACCOUNTS_URL, IQMETRIX_CLIENT_SECRET/],
    [{ AUTH_MODE: 'magic' }, /AUTH_MODE must be one of service, passthrough/],
    [{ UPSTREAM_RETRY_BUDGET_RATIO: 'lots' }, /UPSTREAM_RETRY_BUDGET_RATIO must be a number/],
    [{ LANDING_PAGE: 'maybe' }, /LANDING_PAGE must be true or false/],
    [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of trace, debug, info/],
  ])('rejects %j, naming the variable', (env, message) => {
    expect(configProblems(env as Record<string, string>).join('\n')).toMatch(message);
  });

  it('reports every problem at once', () => {
    expect(configProblems({ PORT: 'x', AUTH_MODE: 'y', OPERATION_TIMEOUT_MS: '-1' })).toHaveLength(3);
  });
});
