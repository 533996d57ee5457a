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

export interface NodeUsageSource {
  sample(nodes: NodeObject[]): Promise<Map<string, UsageSample>>;
  /** Per pod ("namespace/pod") on one node: cores and working-set bytes (eviction victims). */
  pods(node: string): Promise<Map<string, PodUsage>>;
  /** The queries, for the README and the logs. */
  readonly queries: string[];
}

/**
 * `rateWindow` must hold a few scrapes (Prometheus' rate() extrapolates over the whole range, so
 * a range with two samples reads low): 1m suits 15–30 s scrapes.
 */
export function prometheusNodeUsage(
  client: PrometheusClient,
  selector = '',
  rateWindow = '1m',
): NodeUsageSource {
  const sel = `container!="",container!="POD"${selector ? `,${selector}` : ''}`;
  const queries = [
    `sum by (node) (rate(container_cpu_usage_seconds_total{${sel}}[${rateWindow}]))`,
    `sum by (node) (container_memory_working_set_bytes{${sel}})`,
    `max by (node) (timestamp(container_memory_working_set_bytes{${sel}}))`,
  ];
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return {
    queries,
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
