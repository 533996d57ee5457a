/** The Prometheus test tier's gate (jest only; benchmarks use prometheus.ts directly). */
import { prometheusAvailable } from './prometheus.js';

/**
 * For `describe` blocks: returns describe or describe.skip, printing the skip; under
 * TIDEMARK_REQUIRE_TIERS=1 a missing Prometheus throws so CI fails instead of skipping.
 */
export function describeWithPrometheus(): jest.Describe {
  const a = prometheusAvailable();
  if (a.ok) return describe;
  if (process.env.TIDEMARK_REQUIRE_TIERS === '1')
    throw new Error(`the Prometheus tier is required: ${a.reason}`);
  process.stderr.write(`SKIPPED: Prometheus tier — ${a.reason}\n`);
  return describe.skip;
}
