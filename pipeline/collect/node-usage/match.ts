/**
 * Which node an exporter's series belongs to. Setups label it differently: kube-prometheus
 * relabels node-exporter's `instance` to the node name, kube-prometheus-stack adds a `node` label
 * (and keeps `instance` as IP:port), the kubelet's cAdvisor series carry `node`, others only a
 * hostname. The first label whose value (or whose value without a `:port`) names a requested node
 * or its hostname wins; a series naming none is not ours.
 */
import type { NodeUsageRequest } from './types.js';

const LABELS = ['node', 'nodename', 'kubernetes_node', 'hostname', 'instance'];

export function nodeMatcher(
  nodes: NodeUsageRequest['nodes'],
): (labels: Record<string, string>) => string | undefined {
  const byName = new Map<string, string>();
  for (const n of nodes) {
    byName.set(n.name, n.name);
    for (const a of n.aliases) if (!byName.has(a)) byName.set(a, n.name);
  }
  return (labels) => {
    for (const l of LABELS) {
      const v = labels[l];
      if (!v) continue;
      const found = byName.get(v) ?? byName.get(v.replace(/:\d+$/, ''));
      if (found) return found;
    }
    return undefined;
  };
}
