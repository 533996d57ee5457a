/**
 * Per node, usage over the window on a coarse grid (default 15 minutes), by quality tier and as
 * the node itself reports it. Overcommit takes a high percentile of each node's per-slot sums (the
 * percentile of the sum, not the sum of percentiles), and the hotspot forecast reads the node's
 * load hour by hour. Memory: 12 Float32 arrays per node (about 64 KB per node for 14 days).
 */
import type { NodeUsageKind } from '../../collect/node-usage/types.js';
import type { Tier } from '../tiers.js';

/** Per tier: Σ container usage, and Σ max(usage, request) (the conservative policy, container by container). */
export interface TierSlots {
  usage: Float32Array;
  maxUsageRequest: Float32Array;
}

export interface ResourceSlots {
  tiers: Record<Tier, TierSlots>;
  /** The node's own figure; NaN where the exporter had nothing. */
  node: Float32Array;
}

export interface NodeSlots {
  node: string;
  /** Millicores: slot means. */
  cpu: ResourceSlots;
  /** Bytes: per container the slot's highest 5-minute peak, summed; the node's highest peak. */
  memory: ResourceSlots;
  /** Slots where any container of the node, or the node exporter, reported. */
  seen: Uint8Array;
  /** Where the node view came from, when it came. */
  nodeSource?: NodeUsageKind;
}

export interface NodeUsageModel {
  start: number;
  step: number;
  slots: number;
  nodes: Map<string, NodeSlots>;
  /** The tier label the fold classified pods with (analyzer args' `tierLabel`), if any. */
  tierLabel?: string;
  /** The queries behind the node view (Prometheus), for the evidence. */
  queries?: string[];
}
