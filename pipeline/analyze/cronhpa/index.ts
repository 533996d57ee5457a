/** The CronHPA analyzer's manifest: id, args, what it owns. Logic is in analyze.ts. */
import type { Analyzer } from '../types.js';
import { CRONHPA_DEFAULTS, type CronHpaArgs } from './args.js';
import { analyzeCronHpa } from './analyze.js';

export const cronhpa: Analyzer<CronHpaArgs> = {
  id: 'cronhpa',
  description:
    'scheduled scaling from detected daily and weekly cycles, in the CronHPA form each cluster runs',
  argsSchema: 'https://tidemark.io/schemas/analyzers/cronhpa.json',
  defaults: CRONHPA_DEFAULTS,
  owns: [
    { kind: 'CronHorizontalPodAutoscaler', path: ['spec', '**'] },
    { kind: 'ScaledObject', path: ['spec', '**'] },
    { kind: 'EffectiveHorizontalPodAutoscaler', path: ['spec', '**'] },
    { kind: 'CronHPA', path: ['spec', '**'] },
  ],
  // rightsize: a live HPA's schedule is sized on the request that will be live (hpa/request.ts).
  after: ['rightsize', 'hpa'],
  analyze: analyzeCronHpa,
};
