/** Jest runs TypeScript as ESM through SWC (no type-check here: `npm run build` type-checks). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: {
    '^@allthrive/([^/]+)/([^/]+)$': '<rootDir>/packages/$1/src/$2.ts',
    '^@allthrive/(.*)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The demo's scratch workspace holds a copy of package.json; jest must not index it.
  modulePathIgnorePatterns: ['<rootDir>/.tmp/'],
  // The fixture product's frontend has vitest tests of its own (run by examples/workflows/ci.yml).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/fixtures/'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
