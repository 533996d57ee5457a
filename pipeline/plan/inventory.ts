/**
 * plan.json's inventory: every workload of the cluster with what the cost report needs and no
 * analyzer looks at — requests and replicas now, usage over the window (P95 and peak of the
 * workload's total), OOM kills, restarts and days at its CPU limit, its team and whether it is
 * core, and a compact usage series for the usage-against-request chart. Plus the prices used
 * and what the nodes cost.
 *
 * The series holds at most SERIES_POINTS points per resource (14 days: one per 2 hours): each
 * point a byte, base64-encoded, scaled to the series' maximum (254 = the maximum, 255 = no data).
 * CPU and memory points are the highest 15-minute value in the point (peaks stay visible), pods the
 * mean; a request line is the per-pod request times pods.
 */
import type { ClusterModel, WorkloadModel } from '../model/types.js';
import type { WorkloadUsage } from '../model/usage/types.js';
import type { DecidedRecommendation } from '../policy/types.js';
import type { ReportSettings } from '../config/report-settings.js';
import { percentile } from '../core/stats.js';
import { replicasOf } from './savings.js';
import { nodesCost, workloadPrice, type ClusterPrices, type NodesCost } from './prices.js';
import type { NodePrice } from '../collect/prices/opencost.js';

export const SERIES_POINTS = 168;
export const NO_DATA = 255;
const TOP = 254;

export interface InventoryPricesJson {
  source: 'config' | 'opencost';
  currency: string;
  /** Config's prices: every workload's with source config, else a node's without its own. */
  cpuCoreHour: number;
  memoryGiBHour: number;
  nodes?: NodePrice[];
  unpriced?: string[];
  queries?: string[];
  note?: string;
}

export interface InventorySeriesJson {
  /** Unix seconds of the first point, and seconds between points. */
  start: number;
  step: number;
  /** What 254 stands for in each series. */
  cpuCoresMax: number;
  memoryBytesMax: number;
  podsMax: number;
  /** base64 of one byte per point. */
  cpu: string;
  memory: string;
  pods: string;
}

export interface InventoryWorkloadJson {
  workload: string;
  team?: string;
  /** Why the workload is core (pushed down the report's ranking), when it is. */
  core?: string;
  replicas: number;
  /** Per pod: the running containers' requests (native sidecars included). */
  requests: { cpuCores: number; memoryBytes: number };
  containers: { name: string; cpuCores: number; memoryBytes: number }[];
  /** When it differs from config's: the mean price of the nodes its pods run on. */
  price?: { cpuCoreHour: number; memoryGiBHour: number };
  /** The workload's total over the window (Σ over its pods, 15-minute values). */
  usage?: {
    cpuCoresP95: number;
    cpuCoresPeak: number;
    memoryBytesP95: number;
    memoryBytesPeak: number;
    /** Days with data. */
    days: number;
  };
  ooms: number;
  restarts: number;
  /** Days on which a container's highest 5-minute CPU mean reached 95 % of its limit (CFS-throttled). */
  throttledDays: number;
  series?: InventorySeriesJson;
}

export interface InventoryJson {
  prices: InventoryPricesJson;
  nodes: NodesCost;
  workloads: InventoryWorkloadJson[];
}

export function buildInventory(
  model: ClusterModel,
  prices: ClusterPrices,
  decided: DecidedRecommendation[],
  settings: ReportSettings,
): InventoryJson {
  const latency = new Set(
    decided
      .filter((d) => (d.details as { profile?: string } | undefined)?.profile === 'latency')
      .map((d) => d.workload),
  );
  const workloads: InventoryWorkloadJson[] = [];
  for (const w of [...model.workloads.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const usage = model.usage.get(w.key);
    const containers = [
      ...w.template.containers,
      ...w.template.initContainers.filter((c) => c.role === 'sidecar'),
    ];
    const own = workloadPrice(model, prices, w.key);
    const team = teamOf(model, w, settings);
    const core = coreOf(w, settings, latency.has(w.key));
    workloads.push({
      workload: w.key,
      ...(team ? { team } : {}),
      ...(core ? { core } : {}),
      replicas: replicasOf(model, w.key),
      requests: {
        cpuCores: round(containers.reduce((a, c) => a + (c.requests.cpu ?? 0), 0) / 1000, 4),
        memoryBytes: containers.reduce((a, c) => a + (c.requests.memory ?? 0), 0),
      },
      containers: containers.map((c) => ({
        name: c.name,
        cpuCores: round((c.requests.cpu ?? 0) / 1000, 4),
        memoryBytes: c.requests.memory ?? 0,
      })),
      ...(own.cpuCoreHour !== prices.fallback.cpuCoreHour ||
      own.memoryGiBHour !== prices.fallback.memoryGiBHour
        ? { price: { cpuCoreHour: round(own.cpuCoreHour, 6), memoryGiBHour: round(own.memoryGiBHour, 6) } }
        : {}),
      ...(usage ? usageOf(usage) : {}),
      ooms: usage?.ooms.length ?? 0,
      restarts: usage?.restarts.reduce((a, r) => a + r.count, 0) ?? 0,
      throttledDays: usage ? throttledDays(w, usage) : 0,
      ...(usage ? seriesOf(usage) : {}),
    });
  }
  return {
    prices: {
      source: prices.source,
      currency: prices.currency,
      cpuCoreHour: prices.fallback.cpuCoreHour,
      memoryGiBHour: prices.fallback.memoryGiBHour,
      ...(prices.nodes.size ? { nodes: [...prices.nodes.values()] } : {}),
      ...(prices.unpriced.length ? { unpriced: prices.unpriced } : {}),
      ...(prices.queries ? { queries: prices.queries } : {}),
      ...(prices.note ? { note: prices.note } : {}),
    },
    nodes: nodesCost(model, prices),
    workloads,
  };
}

function teamOf(model: ClusterModel, w: WorkloadModel, s: ReportSettings): string | undefined {
  const label = s.teams.label;
  if (label) {
    const own = w.labels[label] ?? w.template.labels[label];
    if (own) return own;
    const ns = model.namespaces.get(w.namespace)?.labels[label];
    if (ns) return ns;
  }
  return s.teams.namespaces[w.namespace];
}

function coreOf(w: WorkloadModel, s: ReportSettings, latency: boolean): string | undefined {
  const key = s.core.key;
  if (w.labels[key] === 'true') return `label ${key}=true`;
  if (w.annotations[key] === 'true') return `annotation ${key}=true`;
  if (s.core.latencyProfile && latency) return 'right-sized under the latency profile';
  return undefined;
}

function usageOf(u: WorkloadUsage): Pick<InventoryWorkloadJson, 'usage'> {
  const cpu: number[] = [];
  const mem: number[] = [];
  const d = u.demand;
  for (let i = 0; i < d.cpu.length; i++) {
    if (!(d.pods[i]! >= 0.5)) continue;
    cpu.push(d.cpu[i]!);
    mem.push(d.memory[i]!);
  }
  if (!cpu.length) return {};
  return {
    usage: {
      cpuCoresP95: round(percentile(cpu, 0.95), 4),
      cpuCoresPeak: round(Math.max(...cpu), 4),
      memoryBytesP95: Math.round(percentile(mem, 0.95)),
      memoryBytesPeak: Math.round(Math.max(...mem)),
      days: round((cpu.length * d.step) / 86400, 1),
    },
  };
}

/** Days (of the window) on which any container's highest 5-minute CPU mean reached 95 % of its limit. */
function throttledDays(w: WorkloadModel, u: WorkloadUsage): number {
  const days = new Set<number>();
  for (const c of w.template.containers) {
    const limit = c.limits.cpu;
    const d = u.containers.get(c.name);
    if (!limit || !d) continue;
    d.dailyCpuPeak.forEach((peak, day) => {
      if (peak >= 0 && peak * 1000 >= 0.95 * limit) days.add(day);
    });
  }
  return days.size;
}

function seriesOf(u: WorkloadUsage): Pick<InventoryWorkloadJson, 'series'> {
  const d = u.demand;
  const n = d.cpu.length;
  if (!n) return {};
  const group = Math.ceil(n / SERIES_POINTS);
  const points = Math.ceil(n / group);
  const cpu = new Float64Array(points).fill(NaN);
  const mem = new Float64Array(points).fill(NaN);
  const pods = new Float64Array(points).fill(NaN);
  for (let p = 0; p < points; p++) {
    let c = -Infinity;
    let m = -Infinity;
    let podSum = 0;
    let seen = 0;
    for (let i = p * group; i < Math.min(n, (p + 1) * group); i++) {
      if (!(d.pods[i]! >= 0.5)) continue;
      seen++;
      c = Math.max(c, d.cpu[i]!);
      m = Math.max(m, d.memory[i]!);
      podSum += d.pods[i]!;
    }
    if (!seen) continue;
    cpu[p] = c;
    mem[p] = m;
    pods[p] = podSum / seen;
  }
  const max = (a: Float64Array): number => a.reduce((x, v) => (v > x ? v : x), 0);
  const encode = (a: Float64Array, top: number): string =>
    Buffer.from(
      Uint8Array.from(a, (v) => (Number.isNaN(v) ? NO_DATA : top > 0 ? Math.round((v / top) * TOP) : 0)),
    ).toString('base64');
  const cpuMax = max(cpu);
  const memMax = max(mem);
  const podsMax = max(pods);
  if (!(podsMax > 0)) return {};
  return {
    series: {
      start: d.start,
      step: d.step * group,
      cpuCoresMax: round(cpuMax, 4),
      memoryBytesMax: Math.round(memMax),
      podsMax: round(podsMax, 3),
      cpu: encode(cpu, cpuMax),
      memory: encode(mem, memMax),
      pods: encode(pods, podsMax),
    },
  };
}

/** Decodes one series back to values (NaN for no data). */
export function decodeSeries(b64: string, max: number): number[] {
  return [...Buffer.from(b64, 'base64')].map((b) => (b === NO_DATA ? NaN : (b / TOP) * max));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
