/**
 * Which pod to evict from a hot node, if any. Never a DaemonSet or mirror pod (they come straight
 * back to the same node), a critical-priority pod, a pod with node-local data, a bare pod (nothing
 * recreates it), one already leaving, or a guardian replica. Among the rest: BestEffort before
 * Burstable before Guaranteed, lower priority first, and the one using most of the hot resource
 * first (evicting a pod that uses nothing relieves nothing). On CPU pressure a victim must itself
 * use a material share of the node.
 */
import type { PodObject } from './kube/objects.js';

export interface PodUsage {
  /** Cores. */
  cpu: number;
  /** Bytes. */
  memory: number;
}

export interface VictimChoice {
  pod?: PodObject;
  why: string;
}

export const CRITICAL_PRIORITY = 2_000_000_000;
const QOS_ORDER: Record<string, number> = { BestEffort: 0, Burstable: 1, Guaranteed: 2 };

export function protection(p: PodObject): string | undefined {
  if (p.guardian) return 'a guardian replica';
  if (p.mirror) return 'a static (mirror) pod';
  if (p.controller === 'DaemonSet') return 'a DaemonSet pod';
  if (!p.controller) return 'no controller would recreate it';
  if (p.priority >= CRITICAL_PRIORITY) return `critical priority ${p.priority}`;
  if (p.localStorage) return 'node-local data (hostPath or emptyDir)';
  if (p.terminating) return 'already terminating';
  if (p.phase === 'Succeeded' || p.phase === 'Failed') return 'finished';
  return undefined;
}

export function pickVictim(
  pods: PodObject[],
  resource: 'cpu' | 'memory',
  usage: Map<string, PodUsage>,
  node: { allocatableCpu: number; allocatableMemory: number },
  minCpuShare: number,
): VictimChoice {
  const key = (p: PodObject) => `${p.metadata.namespace}/${p.metadata.name}`;
  const candidates = pods.filter((p) => !protection(p));
  if (!candidates.length)
    return { why: pods.length ? `all ${pods.length} pod(s) are protected` : 'no pod on the node' };
  const use = (p: PodObject) => usage.get(key(p))?.[resource] ?? 0;
  candidates.sort(
    (a, b) =>
      (QOS_ORDER[a.qosClass ?? 'Burstable'] ?? 1) - (QOS_ORDER[b.qosClass ?? 'Burstable'] ?? 1) ||
      a.priority - b.priority ||
      use(b) - use(a) ||
      key(a).localeCompare(key(b)),
  );
  const pod = candidates.find((p) => use(p) > 0) ?? (resource === 'memory' ? candidates[0] : undefined);
  if (!pod) return { why: 'no unprotected pod uses CPU here' };
  if (resource === 'cpu') {
    const share = (use(pod) * 1000) / node.allocatableCpu;
    if (share < minCpuShare)
      return {
        why: `its best victim ${key(pod)} uses ${Math.round(share * 100)} % of the node's CPU (< ${Math.round(minCpuShare * 100)} %): evicting it would not relieve the node`,
      };
  }
  return {
    pod,
    why: `${pod.qosClass ?? 'Burstable'}, priority ${pod.priority}, ${resource === 'cpu' ? `${use(pod).toFixed(2)} cores` : `${Math.round(use(pod) / 2 ** 20)} MiB`}`,
  };
}
