/**
 * Monthly cost effect of a change, from `prices`. Requests reserve capacity, so only request
 * fields count; the effect scales with the replicas running now (live, not Git).
 */
import type { ClusterModel } from '../model/types.js';
import type { FieldProposal } from '../analyze/types.js';

export const HOURS_PER_MONTH = 730;
const GiB = 2 ** 30;

export interface Prices {
  cpuCoreHour: number;
  memoryGiBHour: number;
  currency: string;
}

export interface Savings {
  /** Positive = money saved per month. */
  cpu: number;
  memory: number;
  total: number;
  /** Requested cores and bytes freed (positive) or added (negative), over all replicas. */
  cores: number;
  bytes: number;
}

export function replicasOf(model: ClusterModel, workload: string): number {
  const w = model.workloads.get(workload);
  if (!w) return 0;
  if (w.kind === 'DaemonSet') return w.podNames.length;
  return w.replicas ?? w.podNames.length;
}

export function savingsOf(fields: FieldProposal[], replicas: number, prices: Prices): Savings {
  let cores = 0;
  let bytes = 0;
  for (const f of fields) {
    const q = f.quantity;
    if (!q || q.role !== 'request' || q.current === undefined) continue;
    const freed = (q.current - q.proposed) * replicas;
    if (q.resource === 'cpu') cores += freed / 1000;
    else bytes += freed;
  }
  const cpu = cores * prices.cpuCoreHour * HOURS_PER_MONTH;
  const memory = (bytes / GiB) * prices.memoryGiBHour * HOURS_PER_MONTH;
  return { cpu, memory, total: cpu + memory, cores, bytes };
}

export function addSavings(a: Savings, b: Savings): Savings {
  return {
    cpu: a.cpu + b.cpu,
    memory: a.memory + b.memory,
    total: a.total + b.total,
    cores: a.cores + b.cores,
    bytes: a.bytes + b.bytes,
  };
}

export const NO_SAVINGS: Savings = { cpu: 0, memory: 0, total: 0, cores: 0, bytes: 0 };

export function formatMoney(value: number, currency: string): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  const symbol = currency === 'USD' ? '$' : currency === 'EUR' ? '€' : `${currency} `;
  return `${sign}${symbol}${abs.toFixed(abs >= 100 ? 0 : 2)}`;
}

/**
 * A monthly effect as a reader should see it: the sign in words, never a bare amount whose
 * direction the reader has to guess. `total` is positive when money is saved.
 */
export function describeMonthlyEffect(total: number, currency: string): string {
  const amount = formatMoney(Math.abs(total), currency);
  if (amount === formatMoney(0, currency)) return 'no cost change';
  return total > 0 ? `saves ${amount}/month` : `adds ${amount}/month`;
}
