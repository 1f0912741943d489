import { loadConfig } from '../../src/config.js';
import { configProblems } from '../helpers/config.js';

// IN_FLIGHT_*: the in-flight caps shared by replicas through REDIS_URL.

describe('shared in-flight cap settings', () => {
  it('are on with REDIS_URL, with their defaults', () => {
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379', CACHE_KEY_PREFIX: 'prod' }).sharedCaps).toEqual({
      redisUrl: 'redis://cache:6379',
      keyPrefix: 'prod',
      expectedReplicas: 2,
      leaseMs: 5_000,
      redisTimeoutMs: 250,
    });
  });

  it('are off without REDIS_URL, or with IN_FLIGHT_SHARED=false', () => {
    expect(loadConfig({}).sharedCaps).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://cache:6379', IN_FLIGHT_SHARED: 'false' }).sharedCaps).toBeNull();
  });

  it('take the values given', () => {
    const config = loadConfig({ REDIS_URL: 'redis://cache:6379', IN_FLIGHT_EXPECTED_REPLICAS: '3', IN_FLIGHT_LEASE_MS: '10000', IN_FLIGHT_REDIS_TIMEOUT_MS: '100' });
    expect(config.sharedCaps).toMatchObject({ expectedReplicas: 3, leaseMs: 10_000, redisTimeoutMs: 100 });
  });

  it('name the variable when a value is wrong', () => {
    expect(configProblems({ REDIS_URL: 'redis://cache:6379', IN_FLIGHT_EXPECTED_REPLICAS: '0' })).toEqual(['IN_FLIGHT_EXPECTED_REPLICAS must be a whole number from 1 to 1000 (got "0").']);
    expect(configProblems({ REDIS_URL: 'redis://cache:6379', IN_FLIGHT_LEASE_MS: '500' })).toEqual(['IN_FLIGHT_LEASE_MS must be a whole number from 1000 to 600000 (got "500").']);
    expect(configProblems({ IN_FLIGHT_SHARED: 'maybe' })).toEqual(['IN_FLIGHT_SHARED must be true or false (got "maybe").']);
    expect(configProblems({ REDIS_URL: 'redis://cache:6379', IN_FLIGHT_LEASE_MS: '1000', IN_FLIGHT_REDIS_TIMEOUT_MS: '500' })).toEqual([
      'IN_FLIGHT_REDIS_TIMEOUT_MS must be at most a third of IN_FLIGHT_LEASE_MS.',
    ]);
  });
});
