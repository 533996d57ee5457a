/**
 * Node pools and what they can lend, tier by tier (formats.md §4.1; Koordinator's mid and batch
 * calculators, see README). Per node, over the window's slots:
 *
 *     held      = the high tier's containers + what the system holds (max(node view − all containers, reserved))
 *     usable    = capacity × threshold − margin
 *     headroom  = usable − P(held)                     what the mid tier may take (never negative)
 *     batch     = usable − P(held + the mid tier)      what the batch tier may take (never negative)
 *
 * P is a high percentile (default P95) of the per-slot sums, so a node's peak is judged as it
 * happened, all tiers at once. A pool's figures are its nodes' figures summed, each node clamped
 * at zero on its own (a hot node lends nothing; it does not borrow an idle node's headroom).
 * Without per-node series (a model built without the node fold) the sums of each container's
 * percentile stand in for P, as Tidemark did before: never less than the percentile of the sum.
 */
import type { ClusterModel, NodeModel, PodModel } from '../../model/types.js';
import type { NodeSlots, ResourceSlots } from '../../model/node-usage/types.js';
import type { NodeUsageKind } from '../../collect/node-usage/types.js';
import { podTier, type Tier } from '../../model/tiers.js';
import { percentile as pct } from '../../core/stats.js';
import type { ResourceOvercommitArgs } from './args.js';

export type Policy = ResourceOvercommitArgs['policy'];

/** How the node's own view compares with the sum of its containers (the difference is the system, the kubelet, the runtime, page cache). */
export interface NodeViewSummary {
  /** Nodes with a node view, by exporter. */
  nodes: number;
  kinds: Partial<Record<NodeUsageKind, number>>;
  /** Σ over those nodes of P(node view) and P(all containers). */
  node: number;
  containers: number;
  /** Σ over those nodes of the mean and P of (node view − containers), floored at 0 per slot. */
  differenceMean: number;
  differenceP: number;
}

export interface PoolResource {
  /** Σ node capacity and allocatable; reserved = capacity − allocatable (kubelet and system). */
  capacity: number;
  allocatable: number;
  reserved: number;
  /** Σ requests of running and pending pods per tier (live). */
  requests: Record<Tier, number>;
  /** Σ per node of P(high-tier containers) under the policy. */
  highContainers: number;
  /** Σ per node of P(what the system holds): the node view less every container, never under reserved. */
  system: number;
  /** Σ per node of P(high-tier containers + system): what the high tier holds. */
  held: number;
  /** Σ per node of P(held + mid-tier containers). */
  heldWithMid: number;
  /** Σ per node of P(mid-tier containers) and P(batch-tier containers), for the report. */
  midUse: number;
  batchUse: number;
  /** Σ capacity × margin. */
  margin: number;
  /** Σ (capacity × threshold − margin): the level a node may be used up to. */
  usable: number;
  /** Σ per node of max(0, usable − P(held)): what the node can give at the margin; the mid tier's share. */
  headroom: number;
  /** Σ per node of max(0, usable − P(held + mid)): what the batch tier may take by the formula. */
  batchHeadroom: number;
  /** Where the figures come from: per-slot series (percentile of sums) or digests (sum of percentiles). */
  basis: 'series' | 'digests';
  nodeView?: NodeViewSummary;
}

export interface Pool {
  name: string;
  nodes: string[];
  cpu: PoolResource;
  memory: PoolResource;
}

export interface PoolOptions {
  percentile: number;
  margin: number;
  cpu: Pick<ResourceOvercommitArgs, 'threshold' | 'policy'>;
  memory: Pick<ResourceOvercommitArgs, 'threshold' | 'policy'>;
  tierLabel?: string;
}

const emptyResource = (): PoolResource => ({
  capacity: 0,
  allocatable: 0,
  reserved: 0,
  requests: { high: 0, mid: 0, batch: 0 },
  highContainers: 0,
  system: 0,
  held: 0,
  heldWithMid: 0,
  midUse: 0,
  batchUse: 0,
  margin: 0,
  usable: 0,
  headroom: 0,
  batchHeadroom: 0,
  basis: 'series',
});

const running = (p: PodModel): boolean => !p.phase || p.phase === 'Running' || p.phase === 'Pending';

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

/** One node's percentile figures for one resource. */
interface NodeFigures {
  highContainers: number;
  system: number;
  held: number;
  heldWithMid: number;
  midUse: number;
  batchUse: number;
  view?: { node: number; containers: number; differenceMean: number; differenceP: number };
}

/** From the node fold's slots: percentiles of per-slot sums. */
function fromSlots(
  r: ResourceSlots,
  seen: Uint8Array,
  policy: Policy,
  reserved: number,
  p: number,
): NodeFigures {
  const field = policy === 'usage' ? 'usage' : 'maxUsageRequest';
  const high: number[] = [];
  const system: number[] = [];
  const held: number[] = [];
  const heldMid: number[] = [];
  const mid: number[] = [];
  const batch: number[] = [];
  const node: number[] = [];
  const containers: number[] = [];
  const diff: number[] = [];
  for (let k = 0; k < seen.length; k++) {
    if (!seen[k]) continue;
    const all = r.tiers.high.usage[k]! + r.tiers.mid.usage[k]! + r.tiers.batch.usage[k]!;
    const view = r.node[k]!;
    const outside = view >= 0 ? Math.max(0, view - all) : 0;
    if (view >= 0) {
      node.push(view);
      containers.push(all);
      diff.push(outside);
    }
    // Koordinator's System.Used: max(node − all pods, reserved); reserved alone without a view.
    const sys = Math.max(outside, reserved);
    const h = r.tiers.high[field][k]!;
    const m = r.tiers.mid[field][k]!;
    high.push(h);
    system.push(sys);
    held.push(h + sys);
    heldMid.push(h + sys + m);
    mid.push(m);
    batch.push(r.tiers.batch.usage[k]!);
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  return {
    highContainers: pct(high, p),
    system: pct(system, p),
    held: pct(held, p),
    heldWithMid: pct(heldMid, p),
    midUse: pct(mid, p),
    batchUse: pct(batch, p),
    ...(node.length
      ? {
          view: {
            node: pct(node, p),
            containers: pct(containers, p),
            differenceMean: mean(diff),
            differenceP: pct(diff, p),
          },
        }
      : {}),
  };
}

/** Without slots: each pod's percentile from the digests, summed per tier (never less than the percentile of the sum). */
function fromDigests(
  model: ClusterModel,
  pods: PodModel[],
  resource: 'cpu' | 'memory',
  policy: Policy,
  reserved: number,
  p: number,
  tierLabel?: string,
): NodeFigures {
  const sum: Record<Tier, number> = { high: 0, mid: 0, batch: 0 };
  const sumPolicy: Record<Tier, number> = { high: 0, mid: 0, batch: 0 };
  for (const pod of pods) {
    const tier = podTier(pod, tierLabel);
    const use = podUsage(model, pod, p)[resource];
    const req = pod.containers.reduce((s, c) => s + (c.requests[resource] ?? 0), 0);
    sum[tier] += use;
    sumPolicy[tier] += policy === 'usage' ? use : Math.max(use, req);
  }
  return {
    highContainers: sumPolicy.high,
    system: reserved,
    held: sumPolicy.high + reserved,
    heldWithMid: sumPolicy.high + reserved + sumPolicy.mid,
    midUse: sumPolicy.mid,
    batchUse: sum.batch,
  };
}

export function buildPools(
  model: ClusterModel,
  label: string,
  o: PoolOptions,
): { pools: Pool[]; unpooled: string[] } {
  const pools = new Map<string, Pool>();
  const members = new Map<string, NodeModel[]>();
  const unpooled: string[] = [];
  for (const n of [...model.nodes.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (n.virtual) continue;
    const name = n.labels[label];
    if (!name) {
      unpooled.push(n.name);
      continue;
    }
    if (!pools.has(name)) {
      pools.set(name, { name, nodes: [], cpu: emptyResource(), memory: emptyResource() });
      members.set(name, []);
    }
    pools.get(name)!.nodes.push(n.name);
    members.get(name)!.push(n);
  }
  const podsByNode = new Map<string, PodModel[]>();
  for (const pod of model.pods.values()) {
    if (!pod.nodeName || !running(pod)) continue;
    const list = podsByNode.get(pod.nodeName) ?? [];
    list.push(pod);
    podsByNode.set(pod.nodeName, list);
  }
  const tierLabel = o.tierLabel;
  // The fold classified pods by a tier label; slots classified by another one would mix tiers.
  const folded = model.nodeUsage && model.nodeUsage.tierLabel === tierLabel ? model.nodeUsage : undefined;
  for (const [name, pool] of pools) {
    for (const n of members.get(name)!) {
      const slots: NodeSlots | undefined = folded?.nodes.get(n.name);
      const pods = podsByNode.get(n.name) ?? [];
      for (const resource of ['cpu', 'memory'] as const) {
        const r = pool[resource];
        const a = o[resource];
        const capacity = n.capacity[resource] ?? n.allocatable[resource] ?? 0;
        const allocatable = n.allocatable[resource] ?? capacity;
        const reserved = capacity - allocatable;
        r.capacity += capacity;
        r.allocatable += allocatable;
        r.reserved += reserved;
        for (const pod of pods) {
          const req = pod.containers.reduce((s, c) => s + (c.requests[resource] ?? 0), 0);
          r.requests[podTier(pod, tierLabel)] += req;
        }
        const useSlots = slots && slots.seen.includes(1);
        const f = useSlots
          ? fromSlots(slots[resource], slots.seen, a.policy, reserved, o.percentile)
          : fromDigests(model, pods, resource, a.policy, reserved, o.percentile, tierLabel);
        if (!useSlots) r.basis = 'digests';
        const margin = capacity * o.margin;
        const usable = capacity * a.threshold - margin;
        r.highContainers += f.highContainers;
        r.system += f.system;
        r.held += f.held;
        r.heldWithMid += f.heldWithMid;
        r.midUse += f.midUse;
        r.batchUse += f.batchUse;
        r.margin += margin;
        r.usable += usable;
        r.headroom += Math.max(0, usable - f.held);
        r.batchHeadroom += Math.max(0, usable - f.heldWithMid);
        if (f.view) {
          const v = (r.nodeView ??= {
            nodes: 0,
            kinds: {},
            node: 0,
            containers: 0,
            differenceMean: 0,
            differenceP: 0,
          });
          v.nodes++;
          const kind = slots!.nodeSource ?? 'node-exporter';
          v.kinds[kind] = (v.kinds[kind] ?? 0) + 1;
          v.node += f.view.node;
          v.containers += f.view.containers;
          v.differenceMean += f.view.differenceMean;
          v.differenceP += f.view.differenceP;
        }
      }
    }
  }
  return { pools: [...pools.values()], unpooled };
}
