/**
 * Hotspots ahead, per pool: each node's hourly load from the node fold (the node's own view where
 * an exporter reports it, else the sum of its containers), over its capacity, through the forecast
 * (forecast.ts). Where a node runs hot at recurring hours, the plan proposes, for the hours before:
 *  - the pool's reclaim threshold lowered by `reclaimStep` points (never under `reclaimFloor`), the
 *    step the guardian takes when the pool is already hot, taken before the load arrives;
 *  - a preferred node anti-affinity for the batch tier away from those nodes, in force only during
 *    the windows (Kubernetes has no time-scoped affinity: it is plan output for whoever schedules
 *    the batch jobs, not a field Tidemark writes).
 */
import type { ClusterModel } from '../../model/types.js';
import type { NodeSlots } from '../../model/node-usage/types.js';
import { toHourly } from '../cronhpa/periodicity.js';
import type { HotspotArgs } from './args.js';
import { describeWindow, forecastHotspots, type HotspotForecast } from './forecast.js';
import type { Pool } from './pools.js';

export interface NodeHotspot {
  node: string;
  forecast: HotspotForecast;
  /** describeWindow() of each window, for the PR body. */
  windows: string[];
}

export interface PoolHotspots {
  pool: string;
  hot: NodeHotspot[];
  /** Nodes with enough history but no forecast, with why (never hot, not at recurring hours …), counted by reason. */
  quiet: Record<string, number>;
  /** The pool's reclaim threshold for the forecast resource, and the one proposed ahead of the windows. */
  reclaim?: { resource: 'cpu' | 'memory'; percent: number; lowered: number };
  /** A preferred node anti-affinity for batch-tier pods, during the windows only. */
  batchAntiAffinity?: {
    preferredDuringSchedulingIgnoredDuringExecution: {
      weight: number;
      preference: { matchExpressions: { key: string; operator: 'NotIn'; values: string[] }[] };
    }[];
  };
}

/** The node's hourly load (share of capacity) from its slots; empty when it never reported. */
export function nodeLoad(
  slots: NodeSlots,
  start: number,
  step: number,
  resource: 'cpu' | 'memory',
  capacity: number,
): { start: number; values: number[] } {
  const r = slots[resource];
  const times: number[] = [];
  const values: number[] = [];
  if (!(capacity > 0)) return { start, values: [] };
  for (let k = 0; k < slots.seen.length; k++) {
    if (!slots.seen[k]) continue;
    const view = r.node[k]!;
    const all = r.tiers.high.usage[k]! + r.tiers.mid.usage[k]! + r.tiers.batch.usage[k]!;
    times.push(start + k * step);
    values.push((view >= 0 ? view : all) / capacity);
  }
  return toHourly(times, values);
}

/** Per pool with at least one hot node: the forecasts and what to do ahead of them. */
export function poolHotspots(
  model: ClusterModel,
  pools: Pool[],
  a: HotspotArgs,
  timezone: string,
  reclaimPercent: (pool: string, resource: 'cpu' | 'memory') => number,
): PoolHotspots[] {
  const folded = model.nodeUsage;
  if (!folded) return [];
  const out: PoolHotspots[] = [];
  for (const pool of pools) {
    const hot: NodeHotspot[] = [];
    const quiet: Record<string, number> = {};
    for (const name of pool.nodes) {
      const slots = folded.nodes.get(name);
      const node = model.nodes.get(name);
      if (!slots || !node) continue;
      const capacity = node.capacity[a.resource] ?? node.allocatable[a.resource] ?? 0;
      const load = nodeLoad(slots, folded.start, folded.step, a.resource, capacity);
      const f = forecastHotspots(load, { ...a, timezone });
      if ('forecast' in f)
        hot.push({
          node: name,
          // Shares and peaks to 3 decimals: plan.json carries them, the PR prints them as percents.
          forecast: {
            ...f.forecast,
            windows: f.forecast.windows.map((w) => ({ ...w, share: round3(w.share), peak: round3(w.peak) })),
          },
          windows: f.forecast.windows.map((w) => describeWindow(w, timezone)),
        });
      else {
        const why = f.reason.split(':')[0]!;
        quiet[why] = (quiet[why] ?? 0) + 1;
      }
    }
    if (!hot.length) continue;
    const percent = reclaimPercent(pool.name, a.resource);
    out.push({
      pool: pool.name,
      hot,
      quiet,
      reclaim: {
        resource: a.resource,
        percent,
        lowered: Math.min(percent, Math.max(a.reclaimFloor, percent - a.reclaimStep)),
      },
      batchAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            preference: {
              matchExpressions: [
                {
                  key: 'kubernetes.io/hostname',
                  operator: 'NotIn',
                  values: hot.map((h) => hostname(model, h.node)),
                },
              ],
            },
          },
        ],
      },
    });
  }
  return out;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

const hostname = (model: ClusterModel, node: string): string =>
  model.nodes.get(node)?.labels['kubernetes.io/hostname'] ?? node;
