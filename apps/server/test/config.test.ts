import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, variables } from '../src/config.js';

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ INIT_CWD: '/srv/sbc' });
    expect(config).toEqual({
      port: 8080,
      host: '127.0.0.1',
      dbPath: '/srv/sbc/data/sessions.db',
      dbPoolSize: 12,
      homeCountryCode: '45',
      retentionHours: 24,
      maxCallHours: 12,
      endRequestTimeoutSeconds: 60,
      bodyLimit: 2 * 1024 * 1024,
      logLevel: 'info',
      heartbeatSeconds: 15,
      jobIntervalSeconds: 60,
      shutdownTimeoutSeconds: 10,
      rateLimitPerSecond: 100,
      rateLimitBurst: 200,
      requestTimeoutSeconds: 30,
      maxStreamsPerToken: 20,
      maxStreams: 1000,
      streamBufferTotal: 64 * 1024 * 1024,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      SBC_DB: '/var/lib/sbc.db',
      SBC_DB_POOL_SIZE: '30',
      HOME_COUNTRY_CODE: '46',
      RETENTION_HOURS: '48',
      MAX_CALL_HOURS: '2.5',
      BODY_LIMIT: '512kb',
      LOG_LEVEL: 'warn',
      HEARTBEAT_SECONDS: '5',
      JOB_INTERVAL_SECONDS: '30',
      SHUTDOWN_TIMEOUT_SECONDS: '3',
      RATE_LIMIT_PER_SECOND: '2.5',
      RATE_LIMIT_BURST: '10',
    });
    expect(config).toMatchObject({ port: 9000, host: '0.0.0.0', dbPath: '/var/lib/sbc.db', dbPoolSize: 30, homeCountryCode: '46', retentionHours: 48, maxCallHours: 2.5, bodyLimit: 524288, logLevel: 'warn', rateLimitPerSecond: 2.5, rateLimitBurst: 10 });
  });

  it('turns the rate limit off with RATE_LIMIT_PER_SECOND=0', () => {
    expect(loadConfig({ RATE_LIMIT_PER_SECOND: '0' }).rateLimitPerSecond).toBe(0);
  });

  it('keeps :memory: as it is', () => {
    expect(loadConfig({ SBC_DB: ':memory:' }).dbPath).toBe(':memory:');
  });

  it('keeps a PostgreSQL URL as it is, rather than reading it as a relative path', () => {
    const url = 'postgres://sbc@db.example:5432/sbc?application_name=node-a';
    expect(loadConfig({ SBC_DB: url, INIT_CWD: '/srv/sbc' }).dbPath).toBe(url);
    expect(loadConfig({ SBC_DB: 'postgresql://db.example/sbc', INIT_CWD: '/srv/sbc' }).dbPath).toBe('postgresql://db.example/sbc');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['HOME_COUNTRY_CODE', '+45'],
    ['RETENTION_HOURS', '0'],
    ['SBC_DB_POOL_SIZE', '1'],
    ['MAX_CALL_HOURS', '-1'],
    ['BODY_LIMIT', 'huge'],
    ['LOG_LEVEL', 'loud'],
    ['HEARTBEAT_SECONDS', '0'],
    ['RATE_LIMIT_PER_SECOND', '-1'],
    ['RATE_LIMIT_PER_SECOND', '0.0001'],
    ['RATE_LIMIT_BURST', '0'],
  ])('refuses %s=%s naming the variable and what it expects', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`${name}="${value.replace('+', '\\+')}" is not valid: expected`));
  });

  it('reports every bad value at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it.each(variables.map((v) => v.name))('refuses %s set to an empty value instead of falling back to the default', (name) => {
    expect(() => loadConfig({ [name]: '' })).toThrowError(`${name}="" is not valid: expected`);
  });
});
