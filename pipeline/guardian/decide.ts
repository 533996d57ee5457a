/**
 * What the guardian intends this tick, from every node's signal and what it already did. Pure and
 * level-triggered: the same state gives the same intents, so a restarted guardian (or a new
 * leader) continues exactly where the last one stopped. The cluster-wide brakes live here: a
 * share of each pool, a headroom floor, and Events only when most of the fleet is hot.
 */
import type { NodeSignal } from './signals.js';
import type { VictimChoice } from './victims.js';
import type { GuardianSettings } from './settings.js';
import type { ResizeIntent } from './decide-resize.js';

export interface NodeView {
  name: string;
  pool: string;
  /** Why the guardian must not touch it (NotReady, NetworkUnavailable, disk pressure, stale metrics). */
  handsOff?: string;
  /** Carries the hotspot taint, put there by the guardian (journal entry id). */
  taintedBy?: string;
  /** Unschedulable for reasons of its own (cordoned, another NoSchedule taint). */
  unschedulable: boolean;
  signal: NodeSignal;
  /** Unix seconds since the signal has been `cool` without a break. */
  coolSince?: number;
  /** Unix seconds of the guardian's last step on this node. */
  lastStepAt?: number;
  allocatableCpu: number;
  requestedCpu: number;
  /** The hotspot forecast's open window on this node (forecast.ts), when `actions.forecastTaint` is on. */
  forecast?: string;
  /** For a node already tainted and still hot: the pod to evict next, or why there is none. */
  victim?: VictimChoice;
  /** For a node still hot on CPU after the taint: the in-place CPU resizes to make instead (decide-resize.ts). */
  resize?: ResizeIntent[];
}

export type Intent =
  | { kind: 'taint'; node: string; why: string; signal: NodeSignal }
  | { kind: 'untaint'; node: string; why: string; entry: string }
  | { kind: 'evict'; node: string; pod: string; why: string }
  | { kind: 'tighten'; node: string; pool: string; resource: 'cpu' | 'memory'; why: string }
  | { kind: 'relax'; node: string; pool: string; entry: string; why: string }
  | { kind: 'resize'; node: string; change: ResizeIntent; why: string }
  | { kind: 'event'; node: string; why: string };

export interface Refusal {
  node: string;
  reason: 'fleet-surge' | 'pool-share' | 'headroom' | 'cooldown' | 'hands-off' | 'disabled' | 'no-victim';
  detail: string;
}

/** Koordinator's reclaim thresholds: whether they can be tightened, and the pools the guardian holds tightened. */
export interface PoolReclaim {
  available: boolean;
  /** pool → journal entry id. */
  tightened: Map<string, string>;
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

/**
 * Whether a second step on this node is due this tick: hot, tainted by the guardian, out of its
 * step cool-down. Only such nodes need a victim looked up (a scan of their pods and two queries),
 * so a hundred tainted nodes waiting out their cool-down cost nothing per tick.
 */
export function stepDue(n: NodeView, g: GuardianSettings, now: number): boolean {
  return (
    n.signal.state === 'hot' &&
    !n.handsOff &&
    !!n.taintedBy &&
    (n.lastStepAt === undefined || now - n.lastStepAt >= g.stepCooldownSeconds)
  );
}

export function decide(
  nodes: NodeView[],
  g: GuardianSettings,
  now: number,
  reclaim: PoolReclaim = { available: false, tightened: new Map() },
): { intents: Intent[]; refused: Refusal[] } {
  const intents: Intent[] = [];
  const refused: Refusal[] = [];

  // A tightened pool is relaxed once none of its nodes is hot or still tainted by the guardian.
  for (const [pool, entry] of reclaim.tightened) {
    const members = nodes.filter((n) => n.pool === pool);
    if (members.some((n) => n.taintedBy || n.signal.state === 'hot')) continue;
    intents.push({
      kind: 'relax',
      node: '',
      pool,
      entry,
      why: `no node of pool ${pool} is hot or tainted any more`,
    });
  }
  const tightening = new Set<string>();

  // Reverts first: they only ever reduce what the guardian holds.
  for (const n of nodes)
    if (
      n.taintedBy &&
      !n.forecast &&
      n.signal.state === 'cool' &&
      n.coolSince !== undefined &&
      now - n.coolSince >= g.coolSeconds
    )
      intents.push({
        kind: 'untaint',
        node: n.name,
        entry: n.taintedBy,
        why: `cool for ${Math.round(now - n.coolSince)} s (CPU p${Math.round((1 - g.percentile) * 100)} ${pct(n.signal.high.cpu)}, memory ${pct(n.signal.high.memory)})`,
      });

  const hot = nodes.filter((n) => n.signal.state === 'hot');
  for (const n of hot.filter((x) => x.handsOff)) {
    intents.push({ kind: 'event', node: n.name, why: `hot but hands-off: ${n.handsOff}` });
    refused.push({ node: n.name, reason: 'hands-off', detail: n.handsOff! });
  }
  const judged = nodes.filter((n) => !n.handsOff);
  const hotShare = hot.filter((n) => !n.handsOff).length / Math.max(1, judged.length);
  const surge = hotShare >= g.brakes.fleetHotShare;

  // The next step, on a node the taint did not cool: where Koordinator lends batch capacity, shrink
  // it on the pool first (no pod touched); on CPU, resize in place (batch limits down, throttled
  // latency-critical containers up); then one eviction per cool-down.
  for (const n of surge ? [] : hot.filter((x) => stepDue(x, g, now))) {
    if (reclaim.available && g.actions.reclaim && n.pool && !reclaim.tightened.has(n.pool)) {
      if (tightening.has(n.pool)) continue;
      tightening.add(n.pool);
      intents.push({
        kind: 'tighten',
        node: n.name,
        pool: n.pool,
        resource: n.signal.resource!,
        why: `node ${n.name} still hot after the taint (${n.signal.resource} p${Math.round(g.percentile * 100)} ${pct(n.signal.low[n.signal.resource!])}): shrink the batch capacity Koordinator lends on pool ${n.pool}`,
      });
      continue;
    }
    if (n.resize?.length) {
      for (const change of n.resize) intents.push({ kind: 'resize', node: n.name, change, why: change.why });
      continue;
    }
    if (!g.actions.evict) {
      refused.push({ node: n.name, reason: 'disabled', detail: 'actions.evict is off' });
      continue;
    }
    if (!n.victim?.pod) {
      refused.push({ node: n.name, reason: 'no-victim', detail: n.victim?.why ?? 'no pod chosen' });
      continue;
    }
    const p = n.victim.pod;
    intents.push({
      kind: 'evict',
      node: n.name,
      pod: `${p.metadata.namespace}/${p.metadata.name}`,
      why: `still hot after the taint (${n.signal.resource} p${Math.round(g.percentile * 100)} ${pct(n.signal.low[n.signal.resource!])}); victim: ${n.victim.why}`,
    });
  }

  // Ahead of a forecast window a node not yet hot is a candidate too, after the hot ones (least excess).
  const ahead = g.actions.forecastTaint
    ? nodes.filter((n) => n.forecast && n.signal.state !== 'hot' && n.signal.state !== 'stale')
    : [];
  const candidates = [...hot, ...ahead]
    .filter((n) => !n.handsOff && !n.taintedBy)
    .sort((a, b) => excess(b, g) - excess(a, g) || a.name.localeCompare(b.name));
  if (!candidates.length) return { intents, refused };

  if (surge) {
    for (const n of candidates) {
      intents.push({ kind: 'event', node: n.name, why: `hot during a fleet-wide surge; not tainted` });
      refused.push({
        node: n.name,
        reason: 'fleet-surge',
        detail: `${pct(hotShare)} of nodes are hot (brake at ${pct(g.brakes.fleetHotShare)}): tainting would only push load around; Events only`,
      });
    }
    return { intents, refused };
  }
  if (!g.actions.taint) {
    for (const n of candidates)
      refused.push({ node: n.name, reason: 'disabled', detail: 'actions.taint is off' });
    return { intents, refused };
  }

  const poolSize = new Map<string, number>();
  const poolTainted = new Map<string, number>();
  for (const n of nodes) {
    poolSize.set(n.pool, (poolSize.get(n.pool) ?? 0) + 1);
    if (n.taintedBy) poolTainted.set(n.pool, (poolTainted.get(n.pool) ?? 0) + 1);
  }
  const total = nodes.filter((n) => !n.handsOff).reduce((s, n) => s + n.allocatableCpu, 0);
  const room = (n: NodeView) => Math.max(0, n.allocatableCpu - n.requestedCpu);
  let headroom = nodes
    .filter((n) => !n.handsOff && !n.taintedBy && !n.unschedulable)
    .reduce((s, n) => s + room(n), 0);

  for (const n of candidates) {
    if (n.lastStepAt !== undefined && now - n.lastStepAt < g.stepCooldownSeconds) {
      refused.push({
        node: n.name,
        reason: 'cooldown',
        detail: `last step ${Math.round(now - n.lastStepAt)} s ago (cool-down ${g.stepCooldownSeconds} s)`,
      });
      continue;
    }
    const cap = Math.max(1, Math.floor(g.brakes.maxPoolShare * (poolSize.get(n.pool) ?? 1)));
    const held = poolTainted.get(n.pool) ?? 0;
    if (held >= cap) {
      refused.push({
        node: n.name,
        reason: 'pool-share',
        detail: `${held} of ${poolSize.get(n.pool)} nodes of pool ${n.pool} already tainted (cap ${cap}, ${pct(g.brakes.maxPoolShare)})`,
      });
      continue;
    }
    const after = n.unschedulable ? headroom : headroom - room(n);
    if (total > 0 && after / total < g.brakes.headroomFloor) {
      refused.push({
        node: n.name,
        reason: 'headroom',
        detail: `schedulable CPU headroom would fall to ${pct(after / total)} (floor ${pct(g.brakes.headroomFloor)})`,
      });
      continue;
    }
    headroom = after;
    poolTainted.set(n.pool, held + 1);
    const r = n.signal.resource;
    intents.push({
      kind: 'taint',
      node: n.name,
      signal: n.signal,
      why: !r
        ? n.forecast!
        : `${r === 'cpu' ? 'CPU' : 'memory'} p${Math.round(g.percentile * 100)} over ${g.windowSeconds} s is ${pct(n.signal.low[r])} (threshold ${pct(r === 'cpu' ? g.cpuThreshold : g.memoryThreshold)})`,
    });
  }
  return { intents, refused };
}

function excess(n: NodeView, g: GuardianSettings): number {
  return Math.max(n.signal.low.cpu - g.cpuThreshold, n.signal.low.memory - g.memoryThreshold);
}
