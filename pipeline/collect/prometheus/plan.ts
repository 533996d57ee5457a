/**
 * Query planning: one batch per namespace, or per set of its pods when the namespace is large,
 * sized so that the heaviest query (the CPU-peak subquery) stays well under the server's
 * --query.max-samples. Pods are sorted so that a run's batches are deterministic.
 */
import type { ContainerRef, UsageWindow } from '../types.js';
import { estimateSamples, type BatchSelector, type QueryShape } from './queries.js';

export interface PlanOptions {
  window: UsageWindow;
  shape: QueryShape;
  maxSeries: number;
  maxSamples: number;
  extra?: string;
}

/** Keep each query under half the server's limit: series per container can exceed one. */
const SAMPLES_HEADROOM = 0.5;

export function planBatches(containers: ContainerRef[], o: PlanOptions): BatchSelector[] {
  const byNs = new Map<string, Map<string, number>>();
  for (const c of containers) {
    let pods = byNs.get(c.namespace);
    if (!pods) byNs.set(c.namespace, (pods = new Map()));
    pods.set(c.pod, (pods.get(c.pod) ?? 0) + 1);
  }
  const perContainer = estimateSamples('cpuMax', 1, o.window, o.shape);
  const bySamples = Math.max(1, Math.floor((o.maxSamples * SAMPLES_HEADROOM) / perContainer));
  const cap = Math.max(1, Math.min(o.maxSeries, bySamples));
  const out: BatchSelector[] = [];
  for (const ns of [...byNs.keys()].sort()) {
    const pods = byNs.get(ns)!;
    let cur: string[] = [];
    let count = 0;
    for (const pod of [...pods.keys()].sort()) {
      const n = pods.get(pod)!;
      if (cur.length && count + n > cap) {
        out.push({ namespace: ns, pods: cur, extra: o.extra });
        cur = [];
        count = 0;
      }
      cur.push(pod);
      count += n;
    }
    if (cur.length) out.push({ namespace: ns, pods: cur, extra: o.extra });
  }
  return out;
}
