/**
 * What a workload costs on nodes and what it would cost serverless. Nodes cost what their
 * requests take, divided by how full the cluster's nodes are (unallocated room is paid for too);
 * serverless pods cost their size rounded up to the provider's table, only while they run.
 *
 * - migrate: every replica runs serverless; saving = mean replicas × (node − serverless) per hour.
 * - burst: the median replica count stays on nodes; what the cluster holds above it for peaks is
 *   the buffer removed, and the replica-hours above the median are paid serverless instead.
 */
import { percentile } from '../../core/stats.js';
import type { ServerlessPrice } from './args.js';
import type { Provider } from './providers.js';

export const HOURS_PER_MONTH = 730;

export interface PodSize {
  /** Cores. */
  cpu: number;
  gib: number;
}

export interface Economics {
  pod: PodSize;
  serverlessPod: PodSize;
  /** Requested share of allocatable across regular nodes (what a requested core really costs). */
  packing: number;
  nodeHourly: number;
  serverlessHourly: number;
  replicas: { median: number; mean: number; peak: number };
  /** Share of the window's slots above the median (how bursty). */
  burstShare: number;
  /** Usage ÷ requests over the window (how idle). */
  utilization?: number;
  monthly: { nodes: number; migrate: number; burstBuffer: number; burstServerless: number };
  saving: { migrate: number; burst: number };
}

export function economics(input: {
  pod: PodSize;
  provider: Provider;
  price: ServerlessPrice;
  node: { coreHour: number; gibHour: number };
  packing: number;
  /** Replicas running per slot (slots with data only). */
  replicas: number[];
  slotHours: number;
  utilization?: number;
}): Economics {
  const { pod, provider, price, node } = input;
  const packing = Math.min(1, Math.max(0.3, input.packing));
  const sized = provider.round ? provider.round(pod.cpu, pod.gib) : pod;
  const nodeHourly = (pod.cpu * node.coreHour + pod.gib * node.gibHour) / packing;
  const serverlessHourly = sized.cpu * price.coreHour + sized.gib * price.gibHour;
  const reps = input.replicas.length ? input.replicas : [0];
  const median = Math.max(1, Math.round(percentile(reps, 0.5)));
  const mean = reps.reduce((s, x) => s + x, 0) / reps.length;
  const peak = Math.max(...reps);
  const windowHours = reps.length * input.slotHours;
  const above = reps.reduce((s, x) => s + Math.max(0, x - median), 0) * input.slotHours;
  const monthly = {
    nodes: mean * nodeHourly * HOURS_PER_MONTH,
    migrate: mean * serverlessHourly * HOURS_PER_MONTH,
    burstBuffer: Math.max(0, Math.ceil(peak) - median) * nodeHourly * HOURS_PER_MONTH,
    burstServerless: windowHours > 0 ? (above / windowHours) * serverlessHourly * HOURS_PER_MONTH : 0,
  };
  const r2 = (x: number) => Math.round(x * 100) / 100;
  return {
    pod,
    serverlessPod: sized,
    packing: r2(packing),
    nodeHourly: Math.round(nodeHourly * 10000) / 10000,
    serverlessHourly: Math.round(serverlessHourly * 10000) / 10000,
    replicas: { median, mean: r2(mean), peak: r2(peak) },
    burstShare: r2(reps.filter((x) => x > median).length / reps.length),
    utilization: input.utilization === undefined ? undefined : r2(input.utilization),
    monthly: {
      nodes: r2(monthly.nodes),
      migrate: r2(monthly.migrate),
      burstBuffer: r2(monthly.burstBuffer),
      burstServerless: r2(monthly.burstServerless),
    },
    saving: {
      migrate: r2(monthly.nodes - monthly.migrate),
      burst: r2(monthly.burstBuffer - monthly.burstServerless),
    },
  };
}
