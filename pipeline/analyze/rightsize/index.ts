/** The right-sizing analyzer's manifest: id, args, what it owns. Logic is in analyze.ts. */
import type { Analyzer } from '../types.js';
import { RIGHTSIZE_DEFAULTS, type RightsizeArgs } from './args.js';
import { analyzeRightsize } from './analyze.js';

const resources = (list: string): Analyzer['owns'] =>
  ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].map((kind) => ({
    kind,
    path: ['spec', 'template', 'spec', list, '*', 'resources', '*', '*'],
  }));

export const rightsize: Analyzer<RightsizeArgs> = {
  id: 'rightsize',
  description: 'container CPU and memory requests (and limits, kept at their ratio) from usage',
  argsSchema: 'https://tidemark.io/schemas/analyzers/rightsize.json',
  defaults: RIGHTSIZE_DEFAULTS,
  owns: [...resources('containers'), ...resources('initContainers')],
  analyze: analyzeRightsize,
};
