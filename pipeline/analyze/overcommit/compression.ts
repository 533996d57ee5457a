/**
 * Pod compression: per workload tier (QoS class), the request/limit ratio that lets requests track
 * use while limits keep the burst headroom. A workload's ratio is its high-percentile usage over its
 * limit, never below the right-sizing floor; the tier's ratio is a high percentile across its
 * workloads, so most of them get at least their usage as request. Workloads OOM-killed in the
 * window are never compressed (they are left out, and named).
 */
import type { ClusterModel, WorkloadModel } from '../../model/types.js';
import { percentile } from '../../core/stats.js';
import { RIGHTSIZE_DEFAULTS } from '../rightsize/args.js';

export interface TierRatio {
  tier: string;
  workloads: number;
  /** Percent of the limit a request should be (1–100), per resource; undefined: no limits seen. */
  cpuPercent?: number;
  memoryPercent?: number;
  excludedOom: string[];
}

export function workloadTier(model: ClusterModel, w: WorkloadModel): string {
  const pod = w.podNames.map((n) => model.pods.get(`${w.namespace}/${n}`)).find(Boolean);
  return pod?.qosClass ?? 'Burstable';
}

/** One workload's usage/limit ratios (max over its containers), floored at right-sizing's floor. */
export function workloadRatios(
  model: ClusterModel,
  w: WorkloadModel,
  pct: number,
): { cpu?: number; memory?: number; oom: boolean } {
  const usage = model.usage.get(w.key);
  const oom = (usage?.ooms.length ?? 0) > 0;
  if (!usage) return { oom };
  const n = Math.max(1, w.template.containers.length);
  const floorCpu = RIGHTSIZE_DEFAULTS.podMinCpuMillis / n;
  const floorMem = RIGHTSIZE_DEFAULTS.podMinMemoryBytes / n;
  let cpu: number | undefined;
  let memory: number | undefined;
  for (const c of w.template.containers) {
    const d = usage.containers.get(c.name);
    if (!d || d.samples === 0) continue;
    if (c.limits.cpu) {
      const r = Math.min(1, Math.max(d.cpuTime.percentile(pct) * 1000, floorCpu) / c.limits.cpu);
      cpu = Math.max(cpu ?? 0, r);
    }
    if (c.limits.memory) {
      const r = Math.min(1, Math.max(d.memPeaks.percentile(pct), floorMem) / c.limits.memory);
      memory = Math.max(memory ?? 0, r);
    }
  }
  return { cpu, memory, oom };
}

export function tierRatios(
  model: ClusterModel,
  workloads: WorkloadModel[],
  usagePercentile: number,
  acrossPercentile: number,
): TierRatio[] {
  const byTier = new Map<string, { cpu: number[]; memory: number[]; n: number; oom: string[] }>();
  for (const w of workloads) {
    const tier = workloadTier(model, w);
    const t = byTier.get(tier) ?? { cpu: [], memory: [], n: 0, oom: [] };
    byTier.set(tier, t);
    const r = workloadRatios(model, w, usagePercentile);
    if (r.oom) {
      t.oom.push(w.key);
      continue;
    }
    t.n++;
    if (r.cpu !== undefined) t.cpu.push(r.cpu);
    if (r.memory !== undefined) t.memory.push(r.memory);
  }
  const pctOf = (xs: number[]): number | undefined =>
    xs.length
      ? Math.min(100, Math.max(1, Math.ceil(percentile(xs, acrossPercentile) * 100 - 1e-9)))
      : undefined;
  return [...byTier]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tier, t]) => ({
      tier,
      workloads: t.n,
      ...(pctOf(t.cpu) !== undefined ? { cpuPercent: pctOf(t.cpu) } : {}),
      ...(pctOf(t.memory) !== undefined ? { memoryPercent: pctOf(t.memory) } : {}),
      excludedOom: t.oom,
    }));
}
