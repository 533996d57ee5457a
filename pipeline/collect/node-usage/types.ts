/**
 * Node usage as the node sees it: what node-exporter (`node_cpu_seconds_total` by mode,
 * `node_memory_MemAvailable_bytes`) or the kubelet's node-level cAdvisor series (`id="/"`, the
 * root cgroup) report for the whole machine. Beside the containers' own series, the difference is
 * what runs outside them: the system, the kubelet, the container runtime, page cache (node-exporter's
 * used memory leaves reclaimable cache out; cAdvisor's root working set keeps the active part), and
 * pods that ran in the window but are gone.
 */
import type { UsageWindow } from '../types.js';

/** Which exporter a node's figures come from. */
export type NodeUsageKind = 'node-exporter' | 'cadvisor';

/** `auto`: node-exporter where a node has it, else cAdvisor's root cgroup, else nothing (container sum). */
export type NodeUsageMode = 'auto' | NodeUsageKind | 'off';

/** One node over the window, per interval i covering [start + i·step, start + (i+1)·step). */
export interface NodeUsageSeries {
  node: string;
  kind: NodeUsageKind;
  /** Mean cores in use (busy modes: every mode but idle, iowait and steal; cAdvisor: the root cgroup's rate). NaN: no data. */
  cpu: Float32Array;
  /** Highest bytes in use (node-exporter: MemTotal − MemAvailable; cAdvisor: the root working set). NaN: no data. */
  memory: Float32Array;
}

export interface NodeUsageRequest {
  window: UsageWindow;
  /** The nodes to read, by name, with the other names their exporters may use (hostname label). */
  nodes: { name: string; aliases: string[] }[];
}

/** The nodes of a model as a request names them: the name, and the hostname label when it differs. */
export function nodeUsageRequest(
  window: UsageWindow,
  nodes: Iterable<{ name: string; labels: Record<string, string>; virtual?: boolean }>,
): NodeUsageRequest {
  const list: NodeUsageRequest['nodes'] = [];
  for (const n of nodes) {
    if (n.virtual) continue;
    const host = n.labels['kubernetes.io/hostname'];
    list.push({ name: n.name, aliases: host && host !== n.name ? [host] : [] });
  }
  return { window, nodes: list };
}

export interface NodeUsageResult {
  series: NodeUsageSeries[];
  /** The queries sent (Prometheus), for plan.json. */
  queries: string[];
  /** Requested nodes no exporter reported: their usage is the sum of their containers. */
  missing: string[];
}
