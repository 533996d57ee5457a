/** The Prometheus test tier's gate (jest only; benchmarks use prometheus.ts directly). */
import { describeWithTier } from './tier-gate.js';

/** describe or describe.skip, as the run decided at its start (the `prometheus` tier). */
export function describeWithPrometheus(): jest.Describe {
  return describeWithTier('prometheus');
}
