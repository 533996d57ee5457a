/**
 * Which policies apply to a workload, and which value of each rule wins: for every rule, the
 * matching policy with the highest priority that sets it (ties: the policy whose name sorts
 * first). Exclusion wins whenever any matching policy excludes.
 */
import { selectorMatches } from '../model/build/selector.js';
import type { ClusterModel, WorkloadModel } from '../model/types.js';
import type { EffectiveRules, PolicyDoc, PolicyRules, PolicySelector, PolicySet } from './types.js';

export function matches(sel: PolicySelector, w: WorkloadModel, model: ClusterModel): boolean {
  if (sel.namespaces && !sel.namespaces.includes(w.namespace)) return false;
  if (sel.excludeNamespaces?.includes(w.namespace)) return false;
  if (sel.kinds && !sel.kinds.includes(w.kind)) return false;
  if (sel.names && !sel.names.includes(w.name)) return false;
  if (sel.namespaceLabels) {
    const labels = model.namespaces.get(w.namespace)?.labels ?? {};
    for (const [k, v] of Object.entries(sel.namespaceLabels)) if (labels[k] !== v) return false;
  }
  if (
    (sel.matchLabels || sel.matchExpressions) &&
    !selectorMatches({ matchLabels: sel.matchLabels, matchExpressions: sel.matchExpressions }, w.labels)
  )
    return false;
  for (const [k, v] of Object.entries(sel.matchAnnotations ?? {})) if (w.annotations[k] !== v) return false;
  return true;
}

export function matchingPolicies(
  set: PolicySet,
  w: WorkloadModel,
  model: ClusterModel,
  analyzer?: string,
): PolicyDoc[] {
  return set.policies
    .filter(
      (p) => matches(p.selector, w, model) && (!analyzer || !p.analyzers || p.analyzers.includes(analyzer)),
    )
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
}

const RULE_KEYS: (keyof PolicyRules)[] = [
  'minHistory',
  'minChange',
  'maxDecrease',
  'maxIncrease',
  'nodeFit',
  'afterRevert',
  'resources',
  'limitRange',
  'resourceQuota',
  'respectVpa',
  'respectClusterResourceOverride',
  'optOutAnnotation',
  'neverLowerMemoryAfterOom',
];

export function effectiveRules(policies: PolicyDoc[]): EffectiveRules {
  const out = {} as Record<string, unknown>;
  for (const key of RULE_KEYS) {
    const p = policies.find((x) => x.rules[key] !== undefined);
    out[key] = p ? { value: p.rules[key], policy: p.name } : undefined;
  }
  return out as EffectiveRules;
}

/** Per-analyzer settings for a workload, merged so higher-priority policies win key by key. */
export function effectiveSettings(policies: PolicyDoc[], analyzer: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of [...policies].reverse()) Object.assign(out, p.settings[analyzer] ?? {});
  return out;
}
