import { loadConfig } from '../../src/config.js';
import { configProblems } from '../helpers/config.js';
import { DEFAULT_LIMITS } from '../../src/plugins/limits/index.js';


describe('limit settings', () => {
  it('default to DEFAULT_LIMITS', () => {
    expect(loadConfig({}).limits).toEqual({ maxDepth: 15, maxCost: 5000, maxAliases: 30, maxTokens: 2000, maxBodyBytes: 102_400 });
    expect(DEFAULT_LIMITS).toEqual(loadConfig({}).limits);
  });

  it('are read from the environment', () => {
    expect(loadConfig({ MAX_DEPTH: '20', MAX_COST: '100000', MAX_ALIASES: '0', MAX_TOKENS: '5000', MAX_BODY_BYTES: '1048576' }).limits).toEqual({
      maxDepth: 20,
      maxCost: 100_000,
      maxAliases: 0,
      maxTokens: 5000,
      maxBodyBytes: 1_048_576,
    });
  });

  it('name the variable and what it expects when a value is bad', () => {
    expect(configProblems({ MAX_DEPTH: '0', MAX_COST: 'lots', MAX_TOKENS: '-1', MAX_BODY_BYTES: '100kb' })).toEqual([
      'MAX_DEPTH must be a whole number from 1 to 100 (got "0").',
      'MAX_COST must be a whole number from 1 to 1000000000 (got "lots").',
      'MAX_TOKENS must be a whole number from 100 to 1000000 (got "-1").',
      'MAX_BODY_BYTES must be a whole number from 1024 to 104857600 (got "100kb").',
    ]);
  });
});

describe('CORS_ORIGINS', () => {
  it('defaults to any origin in development and none in production', () => {
    expect(loadConfig({}).corsOrigins).toBe('*');
    expect(loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true' }).corsOrigins).toEqual([]);
  });

  it('takes * or origins separated by commas, normalized as browsers send them', () => {
    expect(loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true', CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
    expect(loadConfig({ CORS_ORIGINS: ' https://App.Example.com , http://localhost:3000/,https://x.example:443 ' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:3000',
      'https://x.example',
    ]);
  });

  it('refuses anything that is not an origin', () => {
    expect(configProblems({ CORS_ORIGINS: 'https://app.example.com/path,app.example.com,ftp://x.example,*' })).toEqual([
      'CORS_ORIGINS must be * or origins separated by commas, each like https://app.example.com with no path (got "https://app.example.com/path").',
      'CORS_ORIGINS must be * or origins separated by commas, each like https://app.example.com with no path (got "app.example.com").',
      'CORS_ORIGINS must be * or origins separated by commas, each like https://app.example.com with no path (got "ftp://x.example").',
      'CORS_ORIGINS must be * or origins separated by commas, each like https://app.example.com with no path (got "*").',
    ]);
  });
});
