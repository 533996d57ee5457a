/** Suites' gates on the run's tier decision (tiers.ts, made once by global-setup.ts). */
import { runDecision, type TierName } from './tiers.js';

/**
 * describe, or describe.skip when the run skips the tier. Nothing is printed here: the run's last
 * line lists every skipped tier and how to enable it, and a required tier that cannot run has
 * already failed the run in global setup.
 */
export function describeWithTier(name: TierName): jest.Describe {
  return runDecision().tiers[name].ok ? describe : describe.skip;
}
