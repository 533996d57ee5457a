/**
 * Node usage for the signals, from Prometheus instant queries on a short interval: CPU from
 * cAdvisor's counter over the last minute, memory as the working set, both summed per node and
 * divided by the node's allocatable. The sample's time is the newest scrape behind it
 * (`timestamp()`), so metrics that stopped arriving read as stale, not as a frozen value.
 */
import type { PrometheusClient } from '../collect/prometheus/client.js';
import type { UsageSample } from './signals.js';
import type { NodeObject } from './kube/objects.js';
import type { PodUsage } from './victims.js';
import type { ContainerCpu } from './decide-resize.js';

/** One container's working set (bytes) and the scrape time behind it (unix seconds). */
export interface ContainerSample {
  t: number;
  workingSet: number;
}

export interface NodeUsageSource {
  sample(nodes: NodeObject[]): Promise<Map<string, UsageSample>>;
  /** Per pod ("namespace/pod") on one node: cores and working-set bytes (eviction victims). */
  pods(node: string): Promise<Map<string, PodUsage>>;
  /**
   * In-place resize: the containers whose working set is at least `floor` of their memory limit
   * (cAdvisor's; at most `max`, the nearest first), plus every container of the pods named
   * ("namespace/pod": the ones with open revisions), per "namespace/pod/container".
   */
  containerMemory(floor: number, max: number, pods: string[]): Promise<Map<string, ContainerSample>>;
  /** Per container on one node ("namespace/pod/container"): cores used, share of CFS periods throttled. */
  containerCpu(node: string): Promise<Map<string, ContainerCpu>>;
  /** The queries, for the README and the logs. */
  readonly queries: string[];
}

/**
 * The recording rules of deploy/guardian/prometheus-rules.yaml, by what they hold: the node
 * queries below evaluated by Prometheus on its own schedule, so a tick reads one series per node
 * instead of every container's (at 150,000 container series one such query costs Prometheus
 * seconds, and a tick asks three).
 */
export const NODE_USAGE_RULES = {
  cpu: 'tidemark_node:container_cpu_usage_seconds_total:sum_rate1m',
  memory: 'tidemark_node:container_memory_working_set_bytes:sum',
  newest: 'tidemark_node:container_memory_working_set_bytes:newest_timestamp',
} as const;

export interface NodeUsageOptions {
  /** Read node usage from NODE_USAGE_RULES (`guardian.recordedNodeUsage`) instead of the raw series. */
  recorded?: boolean;
  /**
   * Seconds between two runs of the near-limit query (a topk over every container's series), in
   * the background: a tick reads only the containers the last run found (none before the first
   * answer). 0: the query runs on every call, which waits for it (the default here).
   */
  candidateRefreshSeconds?: number;
  /**
   * The client for that query: at 150,000 containers it takes Prometheus seconds, more than a
   * tick's timeout allows (default: `client`).
   */
  candidateClient?: PrometheusClient;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
}

/**
 * How often the near-limit candidates are looked for again: a container qualifies only after the
 * p20 of its window is at or above the trigger, so it was above the (lower) candidate floor in
 * most of the window's samples; refreshing every 0.4 × the window gives at least two looks while
 * that is so. At least one tick, at most a minute.
 */
export function candidateRefreshSeconds(windowSeconds: number, intervalSeconds: number): number {
  return Math.min(60, Math.max(intervalSeconds, 0.4 * windowSeconds));
}

/**
 * `rateWindow` must hold a few scrapes (Prometheus' rate() extrapolates over the whole range, so
 * a range with two samples reads low): 1m suits 15–30 s scrapes.
 */
export function prometheusNodeUsage(
  client: PrometheusClient,
  selector = '',
  rateWindow = '1m',
  opts: NodeUsageOptions = {},
): NodeUsageSource {
  const sel = containerSelector(selector);
  const recordedSel = selector ? `{${selector}}` : '';
  const queries = opts.recorded
    ? [
        `${NODE_USAGE_RULES.cpu}${recordedSel}`,
        `${NODE_USAGE_RULES.memory}${recordedSel}`,
        `${NODE_USAGE_RULES.newest}${recordedSel}`,
      ]
    : nodeUsageQueries(selector, rateWindow);
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const keyOf = (s: { metric: Record<string, string> }) =>
    `${s.metric.namespace}/${s.metric.pod}/${s.metric.container}`;
  const byContainer = 'namespace, pod, container';
  const now = opts.now ?? Date.now;
  const refreshSeconds = opts.candidateRefreshSeconds ?? 0;
  /** The last near-limit answer: for which floor and k, when it was asked, and the pods it named. */
  let near: { key: string; at: number; pods: string[] } | undefined;
  let refreshing: Promise<void> | undefined;
  let refreshError: Error | undefined;
  const refresh = (floor: number, max: number): Promise<void> => {
    const asked = now();
    const key = `${floor}/${max}`;
    const run = (opts.candidateClient ?? client)
      .queryInstant(
        `topk(${max}, max by (${byContainer}) (container_memory_working_set_bytes{${sel}}) / on (${byContainer}) max by (${byContainer}) (container_spec_memory_limit_bytes{${sel}} > 0) >= ${floor})`,
      )
      .then(
        (v) => {
          near = { key, at: asked, pods: v.map((s) => `${s.metric.namespace}/${s.metric.pod}`) };
          refreshError = undefined;
        },
        (err: Error) => {
          refreshError = err;
        },
      )
      .finally(() => {
        if (refreshing === run) refreshing = undefined;
      });
    refreshing = run;
    return run;
  };
  return {
    queries,
    async containerMemory(floor, max, pods) {
      const key = `${floor}/${max}`;
      if (refreshSeconds <= 0) {
        await refresh(floor, max);
        if (refreshError) throw refreshError;
      } else {
        const current = near?.key === key ? near : undefined;
        const age = current ? (now() - current.at) / 1000 : Infinity;
        // Off the tick's path: the tick reads the containers found last time meanwhile.
        if (age >= refreshSeconds && !refreshing) void refresh(floor, max);
        // No answer yet, or candidates so old they no longer cover the window: say why.
        if (refreshError && age > 3 * refreshSeconds) throw refreshError;
      }
      const wanted = new Set(pods);
      if (near?.key === key) for (const p of near.pods) wanted.add(p);
      const out = new Map<string, ContainerSample>();
      if (!wanted.size) return out;
      // Pod names are DNS labels: a regex alternation of them needs only its dots escaped. One
      // query for every namespace; a same-named pod elsewhere is dropped below.
      const names = [...new Set([...wanted].map((k) => k.slice(k.indexOf('/') + 1)))];
      const on = `${sel},pod=~"${names.map((n) => escape(n.replace(/\./g, '\\.'))).join('|')}"`;
      const [ws, at] = await Promise.all([
        client.queryInstant(`max by (${byContainer}) (container_memory_working_set_bytes{${on}})`),
        client.queryInstant(`max by (${byContainer}) (timestamp(container_memory_working_set_bytes{${on}}))`),
      ]);
      const times = new Map(at.map((s) => [keyOf(s), Number(s.value[1])]));
      for (const s of ws) {
        if (!wanted.has(`${s.metric.namespace}/${s.metric.pod}`)) continue;
        const t = times.get(keyOf(s));
        if (t !== undefined) out.set(keyOf(s), { t, workingSet: Number(s.value[1]) });
      }
      return out;
    },
    async containerCpu(node) {
      const on = `${sel},node="${escape(node)}"`;
      const rate = (m: string) => `sum by (${byContainer}) (rate(${m}{${on}}[${rateWindow}]))`;
      const [cpu, throttled] = await Promise.all([
        client.queryInstant(rate('container_cpu_usage_seconds_total')),
        client.queryInstant(
          `${rate('container_cpu_cfs_throttled_periods_total')} / ${rate('container_cpu_cfs_periods_total')}`,
        ),
      ]);
      const out = new Map<string, ContainerCpu>();
      for (const s of cpu) out.set(keyOf(s), { cores: Number(s.value[1]), throttled: 0 });
      for (const s of throttled) {
        const v = Number(s.value[1]);
        const o = out.get(keyOf(s));
        if (o && Number.isFinite(v)) o.throttled = v;
      }
      return out;
    },
    async pods(node) {
      const on = `${sel},node="${escape(node)}"`;
      const [cpu, mem] = await Promise.all([
        client.queryInstant(
          `sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{${on}}[${rateWindow}]))`,
        ),
        client.queryInstant(`sum by (namespace, pod) (container_memory_working_set_bytes{${on}})`),
      ]);
      const out = new Map<string, PodUsage>();
      const at = (s: { metric: Record<string, string> }) => `${s.metric.namespace}/${s.metric.pod}`;
      for (const s of cpu) out.set(at(s), { cpu: Number(s.value[1]), memory: 0 });
      for (const s of mem) out.set(at(s), { cpu: out.get(at(s))?.cpu ?? 0, memory: Number(s.value[1]) });
      return out;
    },
    async sample(nodes) {
      const [cpu, mem, last] = await Promise.all(queries.map((q) => client.queryInstant(q)));
      if (opts.recorded && !last!.length)
        throw new Error(
          `${queries[2]} has no series: are deploy/guardian/prometheus-rules' recording rules loaded, keeping the labels of the metrics selector?`,
        );
      const byNode = (v: typeof cpu) => new Map(v!.map((s) => [s.metric.node ?? '', Number(s.value[1])]));
      const c = byNode(cpu);
      const m = byNode(mem);
      const t = byNode(last);
      const out = new Map<string, UsageSample>();
      for (const n of nodes) {
        const name = n.metadata.name;
        const at = t.get(name);
        if (at === undefined || !n.status.allocatableCpu || !n.status.allocatableMemory) continue;
        out.set(name, {
          t: at,
          cpu: ((c.get(name) ?? 0) * 1000) / n.status.allocatableCpu,
          memory: (m.get(name) ?? 0) / n.status.allocatableMemory,
        });
      }
      return out;
    },
  };
}

/** The three node queries on the raw cAdvisor series, as the recording rules evaluate them too. */
export function nodeUsageQueries(selector = '', rateWindow = '1m'): string[] {
  const sel = containerSelector(selector);
  return [
    `sum by (node) (rate(container_cpu_usage_seconds_total{${sel}}[${rateWindow}]))`,
    `sum by (node) (container_memory_working_set_bytes{${sel}})`,
    `max by (node) (timestamp(container_memory_working_set_bytes{${sel}}))`,
  ];
}

/** cAdvisor's container series, the pause container and pod-level cgroups left out, plus the user's selector. */
export function containerSelector(selector = ''): string {
  return `container!="",container!="POD"${selector ? `,${selector}` : ''}`;
}
