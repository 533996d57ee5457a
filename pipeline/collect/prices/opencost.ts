/**
 * Node prices from an OpenCost (or Kubecost) install, as its cost model exports them to
 * Prometheus: `node_cpu_hourly_cost` (per core-hour), `node_ram_hourly_cost` (per GiB-hour) and
 * `kubecost_node_is_spot` (1 for a spot or preemptible node), each labelled with `node`. Read
 * through the cluster's own Prometheus source (same URL, selector, credentials and TLS), over the
 * last hour before the analysis time, one point per 5 minutes; a node's price is its newest point.
 */
import { SourceError } from '../../core/errors.js';
import type { PrometheusConfig } from '../../config/types.js';
import { createPrometheusClient, type PrometheusClient } from '../prometheus/client.js';

export const OPENCOST_CPU = 'node_cpu_hourly_cost';
export const OPENCOST_RAM = 'node_ram_hourly_cost';
export const OPENCOST_SPOT = 'kubecost_node_is_spot';

export interface NodePrice {
  node: string;
  cpuCoreHour: number;
  memoryGiBHour: number;
  spot: boolean;
}

export interface OpenCostPrices {
  nodes: NodePrice[];
  /** The queries sent, for plan.json. */
  queries: string[];
}

const LOOKBACK = 3600;
const STEP = 300;

export async function readOpenCostPrices(
  cfg: PrometheusConfig,
  at: number,
  client: PrometheusClient = createPrometheusClient(cfg),
): Promise<OpenCostPrices> {
  const selector = cfg.selector ? `{${cfg.selector}}` : '';
  const queries = [OPENCOST_CPU, OPENCOST_RAM, OPENCOST_SPOT].map((m) => `${m}${selector}`);
  try {
    const [cpu, ram, spot] = await Promise.all(queries.map((q) => newestByNode(client, q, at)));
    if (!cpu!.size || !ram!.size)
      throw new SourceError(
        'source-incomplete',
        `prices.from is opencost, but Prometheus at ${client.baseUrl} has no ${!cpu!.size ? OPENCOST_CPU : OPENCOST_RAM} series ` +
          `with a node label in the hour before ${new Date(at * 1000).toISOString()}: is OpenCost (or Kubecost) installed and scraped by it?`,
        { object: 'prices', field: 'prices.from', query: !cpu!.size ? queries[0] : queries[1] },
      );
    const nodes: NodePrice[] = [];
    for (const [node, cpuCoreHour] of cpu!) {
      const memoryGiBHour = ram!.get(node);
      if (memoryGiBHour === undefined) continue;
      nodes.push({ node, cpuCoreHour, memoryGiBHour, spot: spot!.get(node) === 1 });
    }
    return { nodes: nodes.sort((a, b) => a.node.localeCompare(b.node)), queries };
  } finally {
    await client.close();
  }
}

/** node → the newest finite value of each series in the last hour. */
async function newestByNode(
  client: PrometheusClient,
  query: string,
  at: number,
): Promise<Map<string, number>> {
  const { result } = await client.queryRange({ query, start: at - LOOKBACK, end: at, step: STEP });
  const out = new Map<string, { time: number; value: number }>();
  for (const s of result) {
    const node = s.metric.node;
    if (!node) continue;
    for (let i = s.values.length - 1; i >= 0; i--) {
      const v = s.values[i]!;
      if (!Number.isFinite(v)) continue;
      const seen = out.get(node);
      if (!seen || s.times[i]! > seen.time) out.set(node, { time: s.times[i]!, value: v });
      break;
    }
  }
  return new Map([...out].map(([k, v]) => [k, v.value]));
}
