// Jest runs the TypeScript sources as native ESM (package.json "type": "module";
// @kubernetes/client-node 1.x is ESM-only). npm run jest passes
// --experimental-vm-modules; ts-jest transpiles each file on its own
// (isolatedModules), so type errors are left to `npm run typecheck`.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // Sources import './x.js' (NodeNext); map those to the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/load-env.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  testTimeout: 60_000,
  // Integration suites share one local stack; run files one at a time.
  maxWorkers: 1,
};
