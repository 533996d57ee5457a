/** The browser test tier's gate (jest only; benchmarks call browser.ts directly). */
import { describeWithTier } from './tier-gate.js';

/** describe or describe.skip, as the run decided at its start (the `browser` tier). */
export function describeWithBrowser(): jest.Describe {
  return describeWithTier('browser');
}
