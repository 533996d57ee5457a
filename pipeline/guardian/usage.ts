/**
 * Node usage for the signals, from Prometheus instant queries on a short interval: CPU from
 * cAdvisor's counter over the last minute, memory as the working set, both summed per node and
 * divided by the node's allocatable. The sample's time is the newest scrape behind it
 * (`timestamp()`), so metrics that stopped arriving read as stale, not as a frozen value.
 */
import type { PrometheusClient } from '../collect/prometheus/client.js';
import type { UsageSample } from './signals.js';
import type { NodeObject } from './kube/objects.js';

export interface NodeUsageSource {
  sample(nodes: NodeObject[]): Promise<Map<string, UsageSample>>;
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
  return {
    queries,
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
