import { ConfigurationError, loadConfig } from './app-config';

const REQUIRED = {
  DATABASE_URL: 'postgres://x/y',
  REDIS_URL: 'redis://x',
  JWT_SECRET: 'x'.repeat(32),
  ENCRYPTION_KEY: '0'.repeat(64),
};

describe('loadConfig: logging and metrics access', () => {
  it('defaults to info logs and metrics for the local host only', () => {
    const config = loadConfig(REQUIRED);
    expect(config.logLevel).toBe('info');
    expect(config.metricsAllow).toEqual(['127.0.0.1', '::1']);
  });

  it('reads a comma-separated list of addresses and CIDR blocks', () => {
    const config = loadConfig({
      ...REQUIRED,
      METRICS_ALLOW: ' 10.0.0.0/8, fd00::/8 ,192.168.1.7',
      LOG_LEVEL: 'warn',
    });
    expect(config.metricsAllow).toEqual(['10.0.0.0/8', 'fd00::/8', '192.168.1.7']);
    expect(config.logLevel).toBe('warn');
  });

  it.each([
    ['METRICS_ALLOW', 'localhost'],
    ['METRICS_ALLOW', '10.0.0.0/40'],
    ['METRICS_ALLOW', ','],
    ['LOG_LEVEL', 'loud'],
  ])('stops with a message naming %s=%j', (name, value) => {
    expect(() => loadConfig({ ...REQUIRED, [name]: value })).toThrow(ConfigurationError);
    expect(() => loadConfig({ ...REQUIRED, [name]: value })).toThrow(name);
  });
});

describe('loadConfig: where the API listens', () => {
  it('listens on every interface unless HOST names an address', () => {
    expect(loadConfig(REQUIRED)).toMatchObject({ host: '::', port: 8080 });
    expect(loadConfig({ ...REQUIRED, HOST: '0.0.0.0', PORT: '9000' })).toMatchObject({
      host: '0.0.0.0',
      port: 9000,
    });
    expect(loadConfig({ ...REQUIRED, HOST: '::1' }).host).toBe('::1');
  });

  it.each(['localhost', 'example.com', '0.0.0.0 --inspect'])('stops on HOST=%j', (value) => {
    expect(() => loadConfig({ ...REQUIRED, HOST: value })).toThrow('HOST');
  });
});
