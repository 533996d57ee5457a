/** The placement analyzer's manifest. Providers in providers.ts, money in economics.ts. */
import type { Analyzer, OwnedField } from '../types.js';
import { PLACEMENT_DEFAULTS, type PlacementArgs } from './args.js';
import { analyzePlacement } from './analyze.js';

const template = (path: OwnedField['path']): OwnedField => ({
  kind: 'Deployment',
  path: ['spec', 'template', ...path],
});

export const placement: Analyzer<PlacementArgs> = {
  id: 'placement',
  description:
    'stateless Deployments to serverless virtual nodes (TKE super node, virtual-kubelet, ACI, Fargate), burst or migrate, where it saves money',
  argsSchema: 'https://tidemark.io/schemas/analyzers/placement.json',
  defaults: PLACEMENT_DEFAULTS,
  owns: [
    template(['metadata', 'annotations', 'AUTO_SCALE_EKS']),
    template(['metadata', 'annotations', 'LOCAL_REPLICAS']),
    template(['metadata', 'labels', '*']),
    template(['spec', 'nodeSelector', '**']),
    template(['spec', 'tolerations', '**']),
    template(['spec', 'affinity', '**']),
  ],
  after: ['scaledown', 'hpa'],
  analyze: analyzePlacement,
};
