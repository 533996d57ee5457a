/** The rows of the real set, by name: the peers as published, and Tidemark's variants through `plan`. */
import type { Recommender } from '../recommenders/types.js';
import { vpa, krr, crane } from '../recommenders/baselines.js';
import { provisionedReal, type RealSet } from './set.js';
import { tidemarkReal } from './tidemark-real.js';
import { tidemarkFast } from './tidemark-fast.js';
import type { VariantSpec } from './workspace.js';
import type { PlanDayStats } from './tidemark-real.js';

export const PEERS = ['provisioned (manual)', 'VPA', 'KRR (simple)', 'Crane'] as const;

/** Tidemark's rows: the bundled policies, pacing off, and the two other profiles. */
export const VARIANTS: Record<string, VariantSpec> = {
  'tidemark, bundled defaults': { name: 'bundled defaults' },
  'tidemark, pacing off': {
    name: 'defaults with maxDecrease { fraction: 0.99, per: 1h }',
    maxDecrease: { fraction: 0.99, per: '1h' },
  },
  'tidemark, latency profile': { name: 'latency profile', rightsize: { profile: 'latency' } },
  'tidemark, batch profile': { name: 'batch profile', rightsize: { profile: 'batch' } },
};

export const ROWS = [...PEERS, ...Object.keys(VARIANTS)];

export interface RealRecommender extends Recommender {
  stats?: PlanDayStats[];
  cleanup?(): void;
}

export function realRecommender(
  name: string,
  set: RealSet,
  path: 'real' | 'fast',
  extra?: VariantSpec,
): RealRecommender {
  const row = (r: Recommender): Recommender => ({ ...r, name });
  switch (name) {
    case 'provisioned (manual)':
      return provisionedReal(set);
    case 'VPA':
      return row(vpa);
    case 'KRR (simple)':
      return row(krr);
    case 'Crane':
      return row(crane);
  }
  const spec = extra ?? VARIANTS[name];
  if (!spec) throw new Error(`unknown recommender "${name}" (known: ${ROWS.join(', ')})`);
  const r = path === 'real' ? tidemarkReal(set, spec) : tidemarkFast(set, spec);
  r.name = name;
  return r;
}
