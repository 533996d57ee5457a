/**
 * The most any one pod can ask of a node: its allocatable minus what the pods every node carries
 * (DaemonSet pods and static mirror pods) request there. A request above every node's room can
 * never be scheduled, so neither a live value nor a proposal above it is a number to act on.
 */
import type { ClusterModel, NodeModel } from './types.js';
import { podRequests, type PodRequests } from './pod-requests.js';

export interface NodeRoom extends PodRequests {
  node: string;
  /** What the node's DaemonSet and mirror pods request (already taken off). */
  overhead: PodRequests;
}

/**
 * Per node with a known allocatable. Virtual nodes (virtual-kubelet, Fargate) advertise
 * capacity they do not hold, so they count only when there is nothing else.
 */
export function nodeRooms(model: ClusterModel): NodeRoom[] {
  let rooms = cache.get(model);
  if (!rooms) cache.set(model, (rooms = computeRooms(model)));
  return rooms;
}

// Policies ask once per recommendation; the pods are walked once per model.
const cache = new WeakMap<ClusterModel, NodeRoom[]>();

function computeRooms(model: ClusterModel): NodeRoom[] {
  const real = [...model.nodes.values()].filter((n) => !n.virtual);
  const nodes = real.length ? real : [...model.nodes.values()];
  const overhead = new Map<string, PodRequests>();
  for (const p of model.pods.values()) {
    if (!p.nodeName || !(p.isDaemonSet || p.isMirror) || p.phase === 'Succeeded' || p.phase === 'Failed')
      continue;
    const r = podRequests(p);
    const o = overhead.get(p.nodeName) ?? { cpu: 0, memory: 0 };
    overhead.set(p.nodeName, { cpu: o.cpu + r.cpu, memory: o.memory + r.memory });
  }
  return nodes.filter(hasAllocatable).map((n) => {
    const o = overhead.get(n.name) ?? { cpu: 0, memory: 0 };
    return {
      node: n.name,
      cpu: Math.max(0, n.allocatable.cpu! - o.cpu),
      memory: Math.max(0, n.allocatable.memory! - o.memory),
      overhead: o,
    };
  });
}

function hasAllocatable(n: NodeModel): boolean {
  return n.allocatable.cpu !== undefined && n.allocatable.memory !== undefined;
}

/** The node with the most room for `resource` (ties: the first listed). */
export function largestRoom(rooms: NodeRoom[], resource: 'cpu' | 'memory'): NodeRoom | undefined {
  let best: NodeRoom | undefined;
  for (const r of rooms) if (!best || r[resource] > best[resource]) best = r;
  return best;
}

/** Whether some node has room for the whole pod (CPU and memory on the same node). */
export function fitsSomeNode(rooms: NodeRoom[], pod: PodRequests): boolean {
  return rooms.some((r) => pod.cpu <= r.cpu && pod.memory <= r.memory);
}
