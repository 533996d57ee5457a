/**
 * Node pools and what can be lent in them, as Koordinator computes batch capacity (formats.md
 * §4.1): for the lower tier, available = capacity × threshold − what the higher tiers hold − system
 * reserved − a safety margin, never negative. What the higher tiers hold is their high-percentile
 * usage (the sum of each container's percentile: never less than the percentile of the sum) or,
 * by policy, the larger of usage and request pod by pod. Pure functions, checked by hand in tests.
 */
import type { ClusterModel, PodModel } from '../../model/types.js';
import type { ResourceOvercommitArgs } from './args.js';

export interface PoolResource {
  /** Σ node capacity and allocatable; reserved = capacity − allocatable (kubelet and system). */
  capacity: number;
  allocatable: number;
  reserved: number;
  /** Higher tiers: Σ high-percentile usage, Σ requests, Σ per pod max(usage, request). */
  hpUsage: number;
  hpRequests: number;
  hpMaxUsageRequest: number;
  /** The lower (batch) tier's requests, for the report. */
  beRequests: number;
}

export interface Pool {
  name: string;
  nodes: string[];
  cpu: PoolResource;
  memory: PoolResource;
}

const empty = (): PoolResource => ({
  capacity: 0,
  allocatable: 0,
  reserved: 0,
  hpUsage: 0,
  hpRequests: 0,
  hpMaxUsageRequest: 0,
  beRequests: 0,
});

/** Batch / best-effort pods: the tier that borrows. Everything else is a higher tier. */
export function isLowerTier(p: PodModel): boolean {
  return (
    p.labels['koordinator.sh/qosClass'] === 'BE' ||
    p.qosClass === 'BestEffort' ||
    p.priorityClassName === 'koord-batch' ||
    p.priorityClassName === 'koord-free'
  );
}

/**
 * Per pod: high-percentile CPU (millicores) and memory (bytes), from the workload's digests. A
 * container without usage data counts at its request, as a pod without any does: unknown is not
 * free, whether it is the whole pod or one sidecar.
 */
export function podUsage(
  model: ClusterModel,
  p: PodModel,
  percentile: number,
): { cpu: number; memory: number } {
  const usage = p.workload ? model.usage.get(p.workload) : undefined;
  let cpu = 0;
  let memory = 0;
  for (const c of p.containers) {
    const d = usage?.containers.get(c.name);
    const seen = d !== undefined && d.samples > 0;
    cpu += seen ? d.cpuTime.percentile(percentile) * 1000 : (c.requests.cpu ?? 0);
    memory += seen ? d.memPeaks.percentile(percentile) : (c.requests.memory ?? 0);
  }
  return { cpu, memory };
}

export function buildPools(
  model: ClusterModel,
  label: string,
  percentile: number,
): { pools: Pool[]; unpooled: string[] } {
  const byNode = new Map<string, Pool>();
  const pools = new Map<string, Pool>();
  const unpooled: string[] = [];
  for (const n of [...model.nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (n.virtual) continue;
    const name = n.labels[label];
    if (!name) {
      unpooled.push(n.name);
      continue;
    }
    const pool = pools.get(name) ?? { name, nodes: [], cpu: empty(), memory: empty() };
    pools.set(name, pool);
    pool.nodes.push(n.name);
    byNode.set(n.name, pool);
    const capCpu = n.capacity.cpu ?? n.allocatable.cpu ?? 0;
    const capMem = n.capacity.memory ?? n.allocatable.memory ?? 0;
    pool.cpu.capacity += capCpu;
    pool.cpu.allocatable += n.allocatable.cpu ?? capCpu;
    pool.memory.capacity += capMem;
    pool.memory.allocatable += n.allocatable.memory ?? capMem;
  }
  for (const p of pools.values()) {
    p.cpu.reserved = p.cpu.capacity - p.cpu.allocatable;
    p.memory.reserved = p.memory.capacity - p.memory.allocatable;
  }
  for (const pod of model.pods.values()) {
    const pool = pod.nodeName ? byNode.get(pod.nodeName) : undefined;
    if (!pool || (pod.phase && pod.phase !== 'Running' && pod.phase !== 'Pending')) continue;
    const reqCpu = pod.containers.reduce((s, c) => s + (c.requests.cpu ?? 0), 0);
    const reqMem = pod.containers.reduce((s, c) => s + (c.requests.memory ?? 0), 0);
    if (isLowerTier(pod)) {
      pool.cpu.beRequests += reqCpu;
      pool.memory.beRequests += reqMem;
      continue;
    }
    const { cpu: useCpu, memory: useMem } = podUsage(model, pod, percentile);
    pool.cpu.hpUsage += useCpu;
    pool.cpu.hpRequests += reqCpu;
    pool.cpu.hpMaxUsageRequest += Math.max(useCpu, reqCpu);
    pool.memory.hpUsage += useMem;
    pool.memory.hpRequests += reqMem;
    pool.memory.hpMaxUsageRequest += Math.max(useMem, reqMem);
  }
  return { pools: [...pools.values()], unpooled };
}

export interface Lendable {
  /** What the higher tiers hold under the policy. */
  held: number;
  margin: number;
  /** What can be lent to the lower tier (never negative). */
  available: number;
  /** 1 + available / allocatable: the amplification the pool can carry. */
  rawRatio: number;
}

export function lendable(r: PoolResource, a: ResourceOvercommitArgs, margin: number): Lendable {
  const held = a.policy === 'usage' ? r.hpUsage : r.hpMaxUsageRequest;
  const marginAmount = r.capacity * margin;
  const available = Math.max(0, r.capacity * a.threshold - held - r.reserved - marginAmount);
  return {
    held,
    margin: marginAmount,
    available,
    rawRatio: r.allocatable > 0 ? 1 + available / r.allocatable : 1,
  };
}

const floor2 = (x: number): number => Math.floor(x * 100 + 1e-9) / 100;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The next ratio: never above the policy ceiling; a lower one at once (load rose), a higher one at
 * most a step per run (load fell: let it prove itself).
 */
export function nextRatio(
  rawRatio: number,
  current: number,
  maxRatio: number,
  step: number,
): { ratio: number; why: 'lowered' | 'raised' | 'step' | 'capped' | 'unchanged' } {
  const target = Math.max(1, Math.min(maxRatio, floor2(rawRatio)));
  if (target < current) return { ratio: target, why: 'lowered' };
  if (target === current) return { ratio: current, why: 'unchanged' };
  const stepped = round2(Math.min(target, current + step));
  if (stepped < target) return { ratio: stepped, why: 'step' };
  return { ratio: target, why: floor2(rawRatio) > maxRatio ? 'capped' : 'raised' };
}
