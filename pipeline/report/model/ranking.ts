/**
 * "Where to start": workloads and namespaces with a proposed saving, ranked by
 *   cost share (its cost over the fleet's) × effect (the saving over its cost) × ease × core,
 * where ease is 1 for a low-risk change made with high confidence (0.7 medium risk, 0.4 high;
 * × 0.8 medium confidence, × 0.5 low), taken from its hardest recommendation, and core is 1, or
 * CORE_WEIGHT for a core workload (a label or annotation, or the latency profile), which pushes it
 * down without hiding it. Every factor is shown beside the score.
 */
import type { RankedNamespace, RankedWorkload } from '../data.js';
import { isProposed, type WorkloadFigures } from './workloads.js';

export const CORE_WEIGHT = 0.25;
const RISK: Record<string, number> = { low: 1, medium: 0.7, high: 0.4 };
const CONFIDENCE: Record<string, number> = { high: 1, medium: 0.8, low: 0.5 };

export function easeOf(w: WorkloadFigures): { ease: number; why: string } {
  let best: { ease: number; why: string } | undefined;
  for (const r of w.recs.filter(isProposed)) {
    const level = r.evidence.confidence?.level ?? 'medium';
    const ease = (RISK[r.risk] ?? RISK.medium!) * (CONFIDENCE[level] ?? CONFIDENCE.medium!);
    if (!best || ease < best.ease)
      best = { ease, why: `${r.risk} risk, ${level} confidence (${r.analyzer})` };
  }
  return best ?? { ease: 1, why: 'nothing to change' };
}

export function rankWorkloads(all: WorkloadFigures[], fleetCost: number, limit = 100): RankedWorkload[] {
  const ranked: RankedWorkload[] = [];
  all.forEach((w, index) => {
    if (!(w.saving > 0) || !(w.cost > 0)) return;
    const { ease, why } = easeOf(w);
    const costShare = fleetCost > 0 ? w.cost / fleetCost : 0;
    const effect = Math.min(1, w.saving / w.cost);
    const core = w.core ? CORE_WEIGHT : 1;
    ranked.push({
      workload: index,
      costShare,
      effect,
      ease,
      core,
      score: costShare * effect * ease * core,
      easeWhy: why,
    });
  });
  return ranked.sort((a, b) => b.score - a.score || a.workload - b.workload).slice(0, limit);
}

export function rankNamespaces(all: WorkloadFigures[], fleetCost: number, limit = 30): RankedNamespace[] {
  const groups = new Map<string, WorkloadFigures[]>();
  for (const w of all) {
    const key = `${w.cluster}\n${w.namespace}`;
    groups.set(key, [...(groups.get(key) ?? []), w]);
  }
  const out: RankedNamespace[] = [];
  for (const [key, list] of groups) {
    const saving = list.reduce((a, w) => a + Math.max(0, w.saving), 0);
    const cost = list.reduce((a, w) => a + w.cost, 0);
    if (!(saving > 0) || !(cost > 0)) continue;
    const weighted = (f: (w: WorkloadFigures) => number): number =>
      list.filter((w) => w.saving > 0).reduce((a, w) => a + f(w) * w.saving, 0) / saving;
    const ease = weighted((w) => easeOf(w).ease);
    const core = weighted((w) => (w.core ? CORE_WEIGHT : 1));
    const costShare = fleetCost > 0 ? cost / fleetCost : 0;
    const effect = Math.min(1, saving / cost);
    const [cluster = '', namespace = ''] = key.split('\n');
    out.push({
      cluster,
      namespace,
      workloads: list.filter((w) => w.saving > 0).length,
      saving,
      costShare,
      effect,
      ease,
      core,
      score: costShare * effect * ease * core,
    });
  }
  return out.sort((a, b) => b.score - a.score || a.namespace.localeCompare(b.namespace)).slice(0, limit);
}
