/** The overcommit analyzer's manifest: id, args, what it owns. Logic is in analyze.ts, math in pools.ts. */
import type { Analyzer } from '../types.js';
import { OVERCOMMIT_DEFAULTS, type OvercommitArgs } from './args.js';
import { analyzeOvercommit } from './analyze.js';

export const overcommit: Analyzer<OvercommitArgs> = {
  id: 'overcommit',
  description:
    'node-pool overcommit ratios with a safety margin (Koordinator) and request/limit compression (OpenShift)',
  argsSchema: 'https://tidemark.io/schemas/analyzers/overcommit.json',
  defaults: OVERCOMMIT_DEFAULTS,
  owns: [
    { kind: 'ConfigMap', path: ['data', 'colocation-config'] },
    { kind: 'ConfigMap', path: ['data', 'resource-amplification-config'] },
    { kind: 'ClusterResourceOverride', path: ['spec', 'podResourceOverride', 'spec', '*'] },
    { kind: 'Namespace', path: ['metadata', 'labels', '*'] },
  ],
  analyze: analyzeOvercommit,
};
