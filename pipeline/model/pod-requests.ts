/**
 * What a pod asks the scheduler for, as kube-scheduler counts it: the larger of the running
 * containers (main plus native sidecars) and the largest init container plus the sidecars started
 * before it. Packing a drained node's pods onto others must use the same sum the scheduler uses.
 */
import type { ContainerModel, PodModel, ResourceValues } from './types.js';

export interface PodRequests {
  /** Millicores. */
  cpu: number;
  /** Bytes. */
  memory: number;
}

export function podRequests(pod: Pick<PodModel, 'containers' | 'initContainers'>): PodRequests {
  const sum = (list: ContainerModel[], r: keyof ResourceValues) =>
    list.reduce((s, c) => s + (c.requests[r] ?? 0), 0);
  const sidecars = pod.initContainers.filter((c) => c.role === 'sidecar');
  const out: PodRequests = { cpu: 0, memory: 0 };
  for (const r of ['cpu', 'memory'] as const) {
    const running = sum(pod.containers, r) + sum(sidecars, r);
    let init = 0;
    let before = 0;
    for (const c of pod.initContainers) {
      if (c.role === 'sidecar') before += c.requests[r] ?? 0;
      else init = Math.max(init, before + (c.requests[r] ?? 0));
    }
    out[r] = Math.max(running, init);
  }
  return out;
}
