// Nest 12 and @kubernetes/client-node ship as ES modules; jest loads CommonJS, so swc
// compiles both our TypeScript and those packages.
const esmPackages = [
  '@nestjs',
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jose',
  'jsonpath-plus',
  '@jsep-plugin',
  'jsep',
  'rfc4648',
  'socks-proxy-agent',
  'agent-base',
  // @fastify/static's own copy, nested in its node_modules.
  'content-disposition',
];
const esm = esmPackages.join('|');

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.medium-spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.(t|j|mj)s$': '@swc/jest' },
  // Ignored: a package under node_modules that is not one of those, at any depth of nesting.
  transformIgnorePatterns: [`/node_modules/(?!(${esm})/)(?!.*/node_modules/(${esm})/)`],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
  // Two files at a time: each has its own database and Redis prefix, and most of an e2e file's time is
  // spent waiting on workers and fake clusters, so two share the CI machine's two cores well.
  maxWorkers: 2,
};
