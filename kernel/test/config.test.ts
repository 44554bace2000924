import { ConfigError } from '../config.ts';
import { loadUsersConfig } from '../../subgraphs/users/src/config.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';

const KEY = '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----';

describe('configuration from the environment', () => {
  test('every bad value is reported at once, each naming its variable', () => {
    try {
      loadUsersConfig({ DATABASE_URL: 'mysql://nope', PORT: 'eighty', MAX_SESSIONS: '0' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
      expect(problems).toMatch(/PORT:/);
      expect(problems).toMatch(/MAX_SESSIONS:/);
      expect(problems).toMatch(/JWT_PRIVATE_KEY:/);
    }
  });

  test('in production a bad value and missing secrets are reported in one go', () => {
    try {
      loadUsersConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://nope' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      for (const name of ['DATABASE_URL', 'JWT_PRIVATE_KEY', 'REDIS_URL', 'SMTP_URL', 'MFA_ENCRYPTION_KEY', 'INTERNAL_SECRET']) expect(problems).toMatch(new RegExp(`${name}:`));
    }
  });

  test('production refuses to start without Redis and SMTP', () => {
    expect(() => loadUsersConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db/atrium', JWT_PRIVATE_KEY: KEY })).toThrow(
      /REDIS_URL: required when NODE_ENV=production[\s\S]*SMTP_URL: required/,
    );
  });

  test('development defaults: migrations on start, insecure cookies for http://localhost', () => {
    const config = loadUsersConfig({ DATABASE_URL: 'postgres://db/atrium', JWT_PRIVATE_KEY: KEY });
    expect(config).toMatchObject({ migrateOnStart: true, cookieSecure: false, MAX_SESSIONS: 5, production: false });
  });

  test('the gateway takes --supergraph and SUBGRAPH_<NAME>_URL overrides', () => {
    const config = loadGatewayConfig({ SUBGRAPH_USERS_URL: 'http://users:4000/graphql' }, ['--supergraph', '/tmp/x.graphql']);
    expect(config.supergraphPath).toBe('/tmp/x.graphql');
    expect(config.subgraphUrls).toEqual({ users: 'http://users:4000/graphql' });
    expect(() => loadGatewayConfig({ SUBGRAPH_USERS_URL: 'not a url' }, [])).toThrow(/SUBGRAPH_USERS_URL: must be a URL/);
  });
});
