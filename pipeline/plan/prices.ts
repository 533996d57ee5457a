/**
 * What a core-hour and a GiB-hour cost on each node: from config (`prices`, the same everywhere)
 * or from OpenCost/Kubecost (`prices.from: opencost`, per node, spot or on-demand). A workload's
 * price is the mean over the nodes its pods run on; a node without a price of its own, or a pod
 * not yet placed, costs the config price. Every money figure of a plan (savings, the report's
 * costs) comes through here, so they agree.
 */
import type { ClusterModel, WorkloadKey } from '../model/types.js';
import type { NodePrice, OpenCostPrices } from '../collect/prices/opencost.js';
import { HOURS_PER_MONTH, type Prices } from './savings.js';

const GiB = 2 ** 30;

export interface ClusterPrices {
  source: 'config' | 'opencost';
  currency: string;
  /** Config's prices: every node's when the source is config, else a node's without its own. */
  fallback: { cpuCoreHour: number; memoryGiBHour: number };
  nodes: Map<string, NodePrice>;
  /** Nodes of the cluster that OpenCost had no price for (priced from config). */
  unpriced: string[];
  /** The queries prices were read with. */
  queries?: string[];
  /** Why prices are not what the config asked for, when they are not. */
  note?: string;
}

export function configPrices(p: Prices, note?: string): ClusterPrices {
  return {
    source: 'config',
    currency: p.currency,
    fallback: { cpuCoreHour: p.cpuCoreHour, memoryGiBHour: p.memoryGiBHour },
    nodes: new Map(),
    unpriced: [],
    ...(note ? { note } : {}),
  };
}

export function openCostPrices(p: Prices, read: OpenCostPrices, model: ClusterModel): ClusterPrices {
  const nodes = new Map(read.nodes.map((n) => [n.node, n]));
  return {
    ...configPrices(p),
    source: 'opencost',
    nodes,
    unpriced: [...model.nodes.keys()].filter((n) => !nodes.has(n) && !model.nodes.get(n)!.virtual).sort(),
    queries: read.queries,
  };
}

/** A node's price per core-hour and GiB-hour. */
export function nodePrice(prices: ClusterPrices, node: string | undefined): Prices {
  const n = node === undefined ? undefined : prices.nodes.get(node);
  return {
    cpuCoreHour: n?.cpuCoreHour ?? prices.fallback.cpuCoreHour,
    memoryGiBHour: n?.memoryGiBHour ?? prices.fallback.memoryGiBHour,
    currency: prices.currency,
  };
}

/** The mean price over the nodes a workload's pods run on (config's when it has none placed). */
export function workloadPrice(model: ClusterModel, prices: ClusterPrices, workload: WorkloadKey): Prices {
  if (!prices.nodes.size) return nodePrice(prices, undefined);
  const w = model.workloads.get(workload);
  const placed = (w?.podNames ?? [])
    .map((p) => model.pods.get(`${w!.namespace}/${p}`)?.nodeName)
    .filter((n): n is string => n !== undefined);
  if (!placed.length) return nodePrice(prices, undefined);
  const each = placed.map((n) => nodePrice(prices, n));
  return {
    cpuCoreHour: each.reduce((a, p) => a + p.cpuCoreHour, 0) / each.length,
    memoryGiBHour: each.reduce((a, p) => a + p.memoryGiBHour, 0) / each.length,
    currency: prices.currency,
  };
}

export interface NodesCost {
  /** Real nodes (virtual / super nodes are billed per pod, not here). */
  count: number;
  spot: number;
  cpuCores: number;
  memoryBytes: number;
  /** Their capacity at their prices, per month. */
  monthly: number;
}

export function nodesCost(model: ClusterModel, prices: ClusterPrices): NodesCost {
  const out: NodesCost = { count: 0, spot: 0, cpuCores: 0, memoryBytes: 0, monthly: 0 };
  for (const n of model.nodes.values()) {
    if (n.virtual) continue;
    const cores = (n.capacity.cpu ?? n.allocatable.cpu ?? 0) / 1000;
    const bytes = n.capacity.memory ?? n.allocatable.memory ?? 0;
    const p = nodePrice(prices, n.name);
    out.count++;
    if (prices.nodes.get(n.name)?.spot) out.spot++;
    out.cpuCores += cores;
    out.memoryBytes += bytes;
    out.monthly += (cores * p.cpuCoreHour + (bytes / GiB) * p.memoryGiBHour) * HOURS_PER_MONTH;
  }
  return out;
}
