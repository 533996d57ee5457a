/**
 * Quality tiers of colocation, as Koordinator assigns them (koordinator-sh/koordinator
 * apis/extension/priority.go and priority_utils.go `GetPodPriorityClassWithDefault`): the
 * `koordinator.sh/priority-class` label, else the priority value's band (koord-prod 9000–9999,
 * koord-mid 7000–7999, koord-batch 5000–5999, koord-free 3000–3999), else the QoS class (BE →
 * batch, anything else → prod). Tidemark also reads the PriorityClass name, which Koordinator
 * resolves to the same value, and a cluster's own `tierLabel` first when one is configured.
 * koord-free lends from the same pool as koord-batch, so both are the `batch` tier here.
 */
import type { PodModel } from './types.js';

export type Tier = 'high' | 'mid' | 'batch';
export const TIERS: Tier[] = ['high', 'mid', 'batch'];

const NAMES: [string, Tier][] = [
  ['koord-prod', 'high'],
  ['koord-mid', 'mid'],
  ['koord-batch', 'batch'],
  ['koord-free', 'batch'],
];
const BY_NAME = new Map<string, Tier>(NAMES);

/** Values a `tierLabel` may carry, lower-cased; anything else falls through to Koordinator's rules. */
const LABEL_VALUES = new Map<string, Tier>([
  ...NAMES,
  ['prod', 'high'],
  ['production', 'high'],
  ['high', 'high'],
  ['mid', 'mid'],
  ['medium', 'mid'],
  ['batch', 'batch'],
  ['free', 'batch'],
  ['low', 'batch'],
  ['be', 'batch'],
  ['besteffort', 'batch'],
  ['best-effort', 'batch'],
]);

function byPriority(p: number): Tier | undefined {
  if (p >= 9000 && p <= 9999) return 'high';
  if (p >= 7000 && p <= 7999) return 'mid';
  if (p >= 5000 && p <= 5999) return 'batch';
  if (p >= 3000 && p <= 3999) return 'batch';
  return undefined;
}

export function podTier(
  p: Pick<PodModel, 'labels' | 'priority' | 'priorityClassName' | 'qosClass'>,
  tierLabel?: string,
): Tier {
  const own = tierLabel ? LABEL_VALUES.get(p.labels[tierLabel]?.toLowerCase() ?? '') : undefined;
  if (own) return own;
  const labelled = BY_NAME.get(p.labels['koordinator.sh/priority-class'] ?? '');
  if (labelled) return labelled;
  const named = BY_NAME.get(p.priorityClassName ?? '');
  if (named) return named;
  const band = p.priority !== undefined ? byPriority(p.priority) : undefined;
  if (band) return band;
  if (p.labels['koordinator.sh/qosClass'] === 'BE' || p.qosClass === 'BestEffort') return 'batch';
  return 'high';
}
