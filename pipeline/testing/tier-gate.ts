/** Suites' gates on the run's tier decision (tiers.ts, made once by global-setup.ts). */
import { runDecision, type TierName } from './tiers.js';

/**
 * describe, or describe.skip when the run skips any of the tiers. Nothing is printed here: the run's last
 * line lists every skipped tier and how to enable it, and a required tier that cannot run has
 * already failed the run in global setup.
 */
export function describeWithTier(...names: TierName[]): jest.Describe {
  const d = runDecision();
  return names.every((n) => d.tiers[n].ok) ? describe : describe.skip;
}
