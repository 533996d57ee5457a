// ESM + ts-jest: see README "Tests". Integration tiers (real Prometheus, kube-apiserver, git
// remote, upstream schemas) live in the same run: global setup decides once which can run, the
// run's last line lists those skipped, and CI (TIDEMARK_REQUIRE_TIERS=1) forbids skipping. Each
// suite gets its own temp folder (test-environment.ts), removed when it ends.
export default {
  testEnvironment: '<rootDir>/pipeline/testing/test-environment.ts',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  testMatch: [
    '<rootDir>/pipeline/**/*.test.ts',
    '<rootDir>/bench/**/*.test.ts',
    '<rootDir>/fixtures/**/*.test.ts',
    '<rootDir>/policies/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/pipeline/testing/global-setup.ts',
  globalTeardown: '<rootDir>/pipeline/testing/global-teardown.ts',
  testTimeout: 60000,
};
