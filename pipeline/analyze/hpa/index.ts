/** The HPA analyzer's manifest: id, args, what it owns. Logic is in analyze.ts, numbers in sizing.ts. */
import type { Analyzer } from '../types.js';
import { HPA_DEFAULTS, type HpaArgs } from './args.js';
import { analyzeHpa } from './analyze.js';

export const hpa: Analyzer<HpaArgs> = {
  id: 'hpa',
  description:
    'HPA adoption and tuning (target, floor, elastic ceiling) and fixed replica counts from demand',
  argsSchema: 'https://tidemark.io/schemas/analyzers/hpa.json',
  defaults: HPA_DEFAULTS,
  owns: [
    { kind: 'HorizontalPodAutoscaler', path: ['spec', 'minReplicas'] },
    { kind: 'HorizontalPodAutoscaler', path: ['spec', 'maxReplicas'] },
    { kind: 'HorizontalPodAutoscaler', path: ['spec', 'metrics', '**'] },
    { kind: 'HorizontalPodAutoscaler', path: ['spec', 'behavior', '**'] },
    { kind: 'Deployment', path: ['spec', 'replicas'] },
    { kind: 'StatefulSet', path: ['spec', 'replicas'] },
  ],
  after: ['rightsize'],
  analyze: analyzeHpa,
};
