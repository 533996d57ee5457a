/** Overcommit analyzer arguments (schema: schemas/tidemark/analyzers/overcommit.schema.json). */
import { RIGHTSIZE_DEFAULTS } from '../rightsize/args.js';

export interface ResourceOvercommitArgs {
  /** Koordinator's reclaim threshold: the share of capacity the node may be used up to. */
  threshold: number;
  /** Policy ceiling for the amplification ratio. */
  maxRatio: number;
  /**
   * What the higher tiers hold: their high-percentile `usage`, or `maxUsageRequest` (the larger of
   * usage and requests, pod by pod) — memory cannot be taken back, so it defaults to the latter.
   */
  policy: 'usage' | 'maxUsageRequest';
}

export interface OvercommitArgs {
  /** Node label whose value names the pool (per-cluster `settings.overcommit.poolLabel` wins). */
  poolLabel: string;
  /** Percentile of the higher tiers' usage (per container, summed: conservative). */
  percentile: number;
  cpu: ResourceOvercommitArgs;
  memory: ResourceOvercommitArgs;
  /** Safety margin kept free, as a share of capacity. */
  margin: number;
  /** A ratio rises at most this much per run, and falls at once. */
  raiseStep: number;
  /**
   * Share of each pool's headroom the amplification ratio may lend; reclaim (mid and batch) gets
   * the rest of it and whatever the ratio did not take (levers.ts). 0: reclaim only; 1: the ratio
   * first. Both levers lend the same headroom, so they never get it twice.
   */
  amplificationShare: number;
  /** Hotspot forecast (forecast.ts): nodes whose load rises over `threshold` at a regular time. */
  hotspots: HotspotArgs;
  /** Pod compression: the percentile across a tier's workloads of (usage / limit). */
  compressionPercentile: number;
  /**
   * Tiers from this label when set: for Koordinator the pod's value names the tier (koord-prod /
   * prod / high, koord-mid / mid, koord-batch / koord-free / batch / free / low; other values fall
   * through to the priority class, then the QoS class); for pod compression the workload's (pod
   * template's) value is the tier, else the QoS class.
   */
  tierLabel?: string;
  /**
   * Right-sizing's per-pod floors, which compression never goes below. The defaults are
   * right-sizing's; a cluster that changed `analyzers.rightsize` floors sets the same values here
   * (analyzer args are resolved per analyzer). A per-workload rightsize policy still wins.
   */
  podMinCpuMillis: number;
  podMinMemoryBytes: number;
  /** Set by a per-namespace policy: add the ClusterResourceOverride opt-in label there. */
  croOptIn: boolean;
}

export interface HotspotArgs {
  /** Share of capacity a node's hourly load must exceed to count as hot (the guardian's 0.8). */
  threshold: number;
  /** Which load: CPU or memory. */
  resource: 'cpu' | 'memory';
  /** A window starts this long before the hot hour (time to keep new work away). */
  leadMinutes: number;
  /**
   * `recurrent` (default): hours hot on `minShare` of the last `recentDays` days, cycle or not;
   * `cycle`: only for load that passes CronHPA's cycle test first (bench/forecast: on the real
   * trace it predicts nothing, the vote half the hot windows).
   */
  method: 'recurrent' | 'cycle';
  /** The most recent days a daily forecast is built from. */
  recentDays: number;
  /** A local hour is forecast hot when at least this share of those days were hot then. */
  minShare: number;
  /**
   * Ahead of a forecast window, the pool's reclaim threshold is proposed this many points lower
   * (the guardian's reactive step, taken before the load arrives) …
   */
  reclaimStep: number;
  /** … never under this percent. */
  reclaimFloor: number;
  /** IANA zone the windows are written in (default: the cluster's autoscaling timezone, else UTC). */
  timezone?: string;
}

export const HOTSPOT_DEFAULTS: HotspotArgs = {
  threshold: 0.8,
  resource: 'cpu',
  leadMinutes: 30,
  // Hot on 2 of the last 5 days: picked by bench/forecast on half the real trace's VMs.
  method: 'recurrent',
  recentDays: 5,
  minShare: 0.4,
  reclaimStep: 20,
  reclaimFloor: 10,
};

export const OVERCOMMIT_DEFAULTS: OvercommitArgs = {
  poolLabel: 'node-pool',
  percentile: 0.95,
  cpu: { threshold: 0.65, maxRatio: 2.0, policy: 'usage' },
  memory: { threshold: 0.7, maxRatio: 1.2, policy: 'maxUsageRequest' },
  margin: 0.1,
  raiseStep: 0.1,
  amplificationShare: 0.5,
  hotspots: HOTSPOT_DEFAULTS,
  compressionPercentile: 0.9,
  podMinCpuMillis: RIGHTSIZE_DEFAULTS.podMinCpuMillis,
  podMinMemoryBytes: RIGHTSIZE_DEFAULTS.podMinMemoryBytes,
  croOptIn: false,
};

/**
 * Per-cluster settings (`clusters[].settings.overcommit`): the form, and any analyzer argument,
 * which wins over `analyzers.overcommit` for that cluster (a pool's ceiling is a per-cluster
 * decision). The config schema currently admits `form` and `poolLabel` there.
 */
export interface OvercommitSettings extends Partial<Omit<OvercommitArgs, 'cpu' | 'memory' | 'hotspots'>> {
  form?: 'koordinator' | 'openshift';
  cpu?: Partial<ResourceOvercommitArgs>;
  memory?: Partial<ResourceOvercommitArgs>;
  hotspots?: Partial<HotspotArgs>;
}

/**
 * The config's `analyzers.overcommit` arrives shallow-merged over the defaults (plan/run.ts), so a
 * cluster that sets only `cpu.maxRatio` would lose `cpu.threshold`: merge the nested parts too.
 */
export function resolveOvercommitArgs(
  given: Partial<OvercommitArgs> | undefined,
  cluster: OvercommitSettings = {},
): OvercommitArgs {
  const g = given ?? {};
  const { form: _form, ...c } = cluster;
  return {
    ...OVERCOMMIT_DEFAULTS,
    ...g,
    ...c,
    cpu: { ...OVERCOMMIT_DEFAULTS.cpu, ...g.cpu, ...c.cpu },
    memory: { ...OVERCOMMIT_DEFAULTS.memory, ...g.memory, ...c.memory },
    hotspots: { ...OVERCOMMIT_DEFAULTS.hotspots, ...g.hotspots, ...c.hotspots },
  };
}
