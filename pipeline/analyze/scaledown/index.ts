/** The scale-down analyzer's manifest. Scores in scores.ts, drain simulation in packing.ts. */
import type { Analyzer, OwnedField } from '../types.js';
import { DO_NOT_DISRUPT, SAFE_TO_EVICT } from './blockers.js';
import { SCALEDOWN_DEFAULTS, type ScaledownArgs } from './args.js';
import { analyzeScaledown } from './analyze.js';

export const scaledown: Analyzer<ScaledownArgs> = {
  id: 'scaledown',
  description:
    'workload, pod and node scores; nodes whose pods all fit elsewhere, in drain order; node-pool sizes and eviction guards',
  argsSchema: 'https://tidemark.io/schemas/analyzers/scaledown.json',
  defaults: SCALEDOWN_DEFAULTS,
  owns: [
    { kind: 'NodeGroup', path: ['**'] },
    { kind: 'NodePool', path: ['spec', 'limits', '*'] },
    ...guarded(['Deployment', 'StatefulSet', 'ReplicaSet', 'Job'], ['spec', 'template']),
    ...guarded(['CronJob'], ['spec', 'jobTemplate', 'spec', 'template']),
  ],
  analyze: analyzeScaledown,
};

function guarded(kinds: string[], template: string[]): OwnedField[] {
  return kinds.flatMap((kind) =>
    [SAFE_TO_EVICT, DO_NOT_DISRUPT].map((key) => ({
      kind,
      path: [...template, 'metadata', 'annotations', key],
    })),
  );
}
