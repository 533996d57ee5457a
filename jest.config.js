// ESM + ts-jest: see README "Development". Integration tiers (real Prometheus, kube-apiserver,
// git remote) live in the same run; each tier prints when it skips, and CI forbids skipping.
export default {
  testEnvironment: 'node',
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
