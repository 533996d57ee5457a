/**
 * Pod compression: per workload tier (a workload label when `tierLabel` is set, else the QoS
 * class), the request/limit ratio that lets requests track use while limits keep the burst
 * headroom. A workload's ratio is its high-percentile usage over its limit; the tier's ratio is a
 * high percentile across its workloads, so most of them get at least their usage as request.
 * The percentile alone would give the workloads above it a request under right-sizing's floor, so
 * the tier's percent is also at least every covered workload's floor ÷ limit. Workloads OOM-killed
 * in the window are left out of the statistic and named (analyze.ts keeps memory from shrinking).
 */
import type { ClusterModel, WorkloadModel } from '../../model/types.js';
import { percentile } from '../../core/stats.js';

export interface TierRatio {
  tier: string;
  workloads: number;
  /** Percent of the limit a request should be (1–100), per resource; undefined: no limits seen. */
  cpuPercent?: number;
  memoryPercent?: number;
  /** The across-workload percentile of usage ÷ limit alone, before the floors. */
  cpuUsagePercent?: number;
  memoryUsagePercent?: number;
  /** The smallest percent that keeps every covered workload's request at its floor. */
  cpuFloorPercent?: number;
  memoryFloorPercent?: number;
  excludedOom: string[];
}

/** Right-sizing's per-pod floors, split evenly across the pod's containers as right-sizing does. */
export interface Floors {
  podMinCpuMillis: number;
  podMinMemoryBytes: number;
}

export function workloadTier(model: ClusterModel, w: WorkloadModel, tierLabel?: string): string {
  if (tierLabel) {
    const value = w.template.labels[tierLabel] ?? w.labels[tierLabel];
    if (value !== undefined) return `${tierLabel}=${value}`;
  }
  const pod = w.podNames.map((n) => model.pods.get(`${w.namespace}/${n}`)).find(Boolean);
  return pod?.qosClass ?? 'Burstable';
}

/**
 * One workload's usage/limit ratios (max over its containers, usage floored at right-sizing's
 * floor), and the ratios its floors alone need (max over every container with a limit, with or
 * without usage data: the override rewrites them all).
 */
export function workloadRatios(
  model: ClusterModel,
  w: WorkloadModel,
  pct: number,
  floors: Floors,
): { cpu?: number; memory?: number; cpuFloor?: number; memoryFloor?: number; oom: boolean } {
  const usage = model.usage.get(w.key);
  const oom = (usage?.ooms.length ?? 0) > 0;
  const n = Math.max(1, w.template.containers.length);
  const floorCpu = floors.podMinCpuMillis / n;
  const floorMem = floors.podMinMemoryBytes / n;
  let cpu: number | undefined;
  let memory: number | undefined;
  let cpuFloor: number | undefined;
  let memoryFloor: number | undefined;
  const max = (a: number | undefined, b: number) => Math.max(a ?? 0, Math.min(1, b));
  for (const c of w.template.containers) {
    if (c.limits.cpu) cpuFloor = max(cpuFloor, floorCpu / c.limits.cpu);
    if (c.limits.memory) memoryFloor = max(memoryFloor, floorMem / c.limits.memory);
    const d = usage?.containers.get(c.name);
    if (!d || d.samples === 0) continue;
    if (c.limits.cpu) cpu = max(cpu, Math.max(d.cpuTime.percentile(pct) * 1000, floorCpu) / c.limits.cpu);
    if (c.limits.memory)
      memory = max(memory, Math.max(d.memPeaks.percentile(pct), floorMem) / c.limits.memory);
  }
  return {
    oom,
    ...(cpu !== undefined ? { cpu } : {}),
    ...(memory !== undefined ? { memory } : {}),
    ...(cpuFloor !== undefined ? { cpuFloor } : {}),
    ...(memoryFloor !== undefined ? { memoryFloor } : {}),
  };
}

// Usage is held in Float32 (7 digits): 0.2 of a 1-core limit is 20.0000003 %, not 21 %.
const toPercent = (x: number): number => Math.min(100, Math.max(1, Math.ceil(x * 100 * (1 - 1e-6))));

export function tierRatios(
  model: ClusterModel,
  workloads: WorkloadModel[],
  o: {
    usagePercentile: number;
    acrossPercentile: number;
    tierLabel?: string;
    floorsOf: (w: WorkloadModel) => Floors;
  },
): TierRatio[] {
  interface Acc {
    cpu: number[];
    memory: number[];
    cpuFloor?: number;
    memoryFloor?: number;
    n: number;
    oom: string[];
  }
  const byTier = new Map<string, Acc>();
  for (const w of workloads) {
    const tier = workloadTier(model, w, o.tierLabel);
    const t: Acc = byTier.get(tier) ?? { cpu: [], memory: [], n: 0, oom: [] };
    byTier.set(tier, t);
    const r = workloadRatios(model, w, o.usagePercentile, o.floorsOf(w));
    // An OOM-killed workload is still rewritten by the override: its floor counts.
    if (r.cpuFloor !== undefined) t.cpuFloor = Math.max(t.cpuFloor ?? 0, r.cpuFloor);
    if (r.memoryFloor !== undefined) t.memoryFloor = Math.max(t.memoryFloor ?? 0, r.memoryFloor);
    if (r.oom) {
      t.oom.push(w.key);
      continue;
    }
    t.n++;
    if (r.cpu !== undefined) t.cpu.push(r.cpu);
    if (r.memory !== undefined) t.memory.push(r.memory);
  }
  const pctOf = (xs: number[]): number | undefined =>
    xs.length ? toPercent(percentile(xs, o.acrossPercentile)) : undefined;
  const resource = (name: 'cpu' | 'memory', xs: number[], floor: number | undefined) => {
    const usage = pctOf(xs);
    if (usage === undefined) return {};
    const floorPct = floor !== undefined ? toPercent(floor) : undefined;
    return {
      [`${name}Percent`]: Math.max(usage, floorPct ?? 0),
      [`${name}UsagePercent`]: usage,
      ...(floorPct !== undefined ? { [`${name}FloorPercent`]: floorPct } : {}),
    };
  };
  return [...byTier]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tier, t]) => ({
      tier,
      workloads: t.n,
      ...resource('cpu', t.cpu, t.cpuFloor),
      ...resource('memory', t.memory, t.memoryFloor),
      excludedOom: t.oom,
    }));
}
