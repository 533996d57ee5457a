/**
 * Drain simulation: can every pod of a node find a home on the nodes that remain? Pods go largest
 * first, each to the fitting node it fills most (best fit, so spare room stays in whole nodes).
 * A node is accepted only when all its pods fit; then its pods count where they landed for the
 * next node, exactly as sequential drains would leave the cluster.
 */
import type { ClusterModel, PodModel } from '../../model/types.js';
import type { PodRequests } from '../../model/pod-requests.js';
import {
  indexAntiAffinity,
  place,
  podView,
  refusal,
  requiredTerms,
  type Cluster,
  type NodeState,
} from './predicates.js';
import { isFinished, podKey } from './context.js';

export interface Move {
  pod: string;
  workload?: string;
  to: string;
  cpu: number;
  memory: number;
}

export type DrainResult =
  { ok: true; moves: Move[] } | { ok: false; pod: string; reasons: Record<string, number> };

export function buildCluster(
  model: ClusterModel,
  podsOn: Map<string, PodModel[]>,
  requested: Map<string, PodRequests>,
): Cluster {
  const nodes = new Map<string, NodeState>();
  for (const n of model.nodes.values()) {
    const used = requested.get(n.name) ?? { cpu: 0, memory: 0 };
    const residents = [...(podsOn.get(n.name) ?? [])];
    nodes.set(n.name, {
      node: n,
      free: { cpu: (n.allocatable.cpu ?? 0) - used.cpu, memory: (n.allocatable.memory ?? 0) - used.memory },
      pods: residents.length,
      maxPods: n.allocatable.pods ?? 110,
      hostPorts: new Set(
        residents.flatMap((p) => [...p.containers, ...p.initContainers].flatMap((c) => c.hostPorts ?? [])),
      ),
      residents,
      removed: false,
    });
  }
  const cluster: Cluster = {
    model,
    nodes,
    antiAffinity: new Map(),
    antiByDomain: new Map(),
    antiKeys: new Set(),
    domains: new Map(),
  };
  for (const state of nodes.values())
    for (const p of state.residents)
      if (requiredTerms(p.affinity, 'podAntiAffinity').length) indexAntiAffinity(cluster, p, state, true);
  return cluster;
}

/** The pods a drain must find a home for: not DaemonSet or mirror pods, not finished or leaving. */
export function podsToMove(pods: PodModel[]): PodModel[] {
  return pods.filter((p) => !p.isDaemonSet && !p.isMirror && !isFinished(p) && !p.terminating);
}

export function simulateDrain(
  cluster: Cluster,
  nodeName: string,
  requests: Map<string, PodRequests>,
): DrainResult {
  const source = cluster.nodes.get(nodeName)!;
  const pods = podsToMove(source.residents).sort((a, b) => {
    const ra = requests.get(podKey(a))!;
    const rb = requests.get(podKey(b))!;
    return rb.cpu - ra.cpu || rb.memory - ra.memory || podKey(a).localeCompare(podKey(b));
  });
  source.removed = true;
  const done: { state: NodeState; pod: PodModel; req: PodRequests }[] = [];
  const undo = () => {
    for (const d of done.reverse()) {
      source.residents.push(d.pod);
      if (cluster.antiAffinity.has(d.pod)) {
        indexAntiAffinity(cluster, d.pod, d.state, false);
        indexAntiAffinity(cluster, d.pod, source, true);
      }
      d.state.free.cpu += d.req.cpu;
      d.state.free.memory += d.req.memory;
      d.state.pods--;
      d.state.residents.splice(d.state.residents.indexOf(d.pod), 1);
      // host ports are rebuilt from the residents left
      d.state.hostPorts = new Set(
        d.state.residents.flatMap((p) =>
          [...p.containers, ...p.initContainers].flatMap((c) => c.hostPorts ?? []),
        ),
      );
    }
    source.removed = false;
  };
  const moves: Move[] = [];
  for (const pod of pods) {
    const req = requests.get(podKey(pod)) ?? { cpu: 0, memory: 0 };
    const reasons: Record<string, number> = {};
    let best: NodeState | undefined;
    let bestLeft = Infinity;
    // The pod leaves the source first: its own anti-affinity and spread must not count it.
    source.residents.splice(source.residents.indexOf(pod), 1);
    const view = podView(cluster, pod);
    for (const state of cluster.nodes.values()) {
      if (state === source || state.removed) continue;
      const why = refusal(cluster, pod, req, state, view);
      if (why) {
        const short = why.replace(/\d+m CPU requested, \d+m free/, 'not enough CPU free');
        reasons[short] = (reasons[short] ?? 0) + 1;
        continue;
      }
      const alloc = state.node.allocatable;
      const left = Math.max(
        alloc.cpu ? (state.free.cpu - req.cpu) / alloc.cpu : 0,
        alloc.memory ? (state.free.memory - req.memory) / alloc.memory : 0,
      );
      if (left < bestLeft || (left === bestLeft && best && state.node.name < best.node.name)) {
        best = state;
        bestLeft = left;
      }
    }
    if (!best) {
      source.residents.push(pod);
      undo();
      return { ok: false, pod: podKey(pod), reasons };
    }
    place(cluster, best, pod, req);
    done.push({ state: best, pod, req });
    moves.push({
      pod: podKey(pod),
      workload: pod.workload,
      to: best.node.name,
      cpu: req.cpu,
      memory: req.memory,
    });
  }
  return { ok: true, moves };
}
