/** Small statistics shared by the analyzers (percentiles come from simple-statistics). */
import { quantileSorted } from 'simple-statistics';

/** Interpolated percentile (0…1) of unsorted values; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return 0;
  // A typed array sorts numerically without a comparator call per pair (the inventory's and the HPA
  // sizing's percentiles were 3–5 % of a warm run's main thread in bench:scale's V8 profiles).
  // quantileSorted only reads length and indices, which a Float64Array has.
  return quantileSorted(Float64Array.from(values).sort() as unknown as number[], p);
}

/** Ceil that ignores float32 noise: demand stored as 6.0000002 still needs 6 replicas, not 7. */
export function ceilSafe(x: number): number {
  return Math.ceil(x - 1e-5 * Math.max(1, Math.abs(x)));
}
