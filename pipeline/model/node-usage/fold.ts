/**
 * Folds container series and node series into per-node, per-tier slot sums (types.ts). A
 * container's series is added to the node its pod runs on (the source's `node` label, else the
 * live pod's nodeName) under the pod's tier. A live container that never reported counts at its
 * request in every slot, as the digests' fallback does: unknown is not free.
 *
 * With `history` (a run keeping state, model/usage/checkpoint/) the fold starts from the
 * checkpoint's days and folds only what came after it; `history()` returns the days to keep,
 * taken before that fallback, which each run computes again from the pods live then.
 */
import type { UsageSeries, UsageWindow } from '../../collect/types.js';
import type { NodeUsageSeries } from '../../collect/node-usage/types.js';
import type { ClusterModel, PodModel } from '../types.js';
import { podTier, type Tier } from '../tiers.js';
import { DEFAULT_DEMAND_STEP } from '../usage/fold.js';
import {
  decodeNodeDay,
  encodeNodeDay,
  nodeSlotArrays,
  refHash,
  type NodeHistoryState,
} from '../usage/checkpoint/node-days.js';
import type { NodeSlots, NodeUsageModel, ResourceSlots } from './types.js';

const DAY = 86400;

export interface NodeFolder {
  add(series: UsageSeries): void;
  addNode(series: NodeUsageSeries): void;
  finish(): NodeUsageModel;
  /** With `history`, after finish(): the days a checkpoint keeps. */
  history(): NodeHistoryState | undefined;
}

export interface NodeFoldHistory {
  /**
   * Slots from the one holding this time on are folded from the series added; those before it
   * come from `state` (a warm run). Default: the window's start (a cold run).
   */
  from?: number;
  state?: NodeHistoryState;
}

function resourceSlots(n: number): ResourceSlots {
  const tier = () => ({ usage: new Float32Array(n), maxUsageRequest: new Float32Array(n) });
  return {
    tiers: { high: tier(), mid: tier(), batch: tier() },
    node: new Float32Array(n).fill(NaN),
  };
}

const running = (p: PodModel): boolean => !p.phase || p.phase === 'Running' || p.phase === 'Pending';

export function createNodeFolder(
  model: ClusterModel,
  window: UsageWindow,
  o: { step?: number; tierLabel?: string; history?: NodeFoldHistory } = {},
): NodeFolder {
  const step = Math.max(o.step ?? DEFAULT_DEMAND_STEP, window.step);
  const perSlot = Math.round(step / window.step);
  const slots = Math.ceil((window.end - window.start) / step);
  const nodes = new Map<string, NodeSlots>();
  const reported = new Set<string>();
  const h = o.history;
  // A warm run folds from the start of the slot holding the checkpoint's end: the slot's sums of
  // per-container maxima do not add up from two halves, so it is read again whole.
  const fromSlot = h ? Math.max(0, Math.floor(((h.from ?? window.start) - window.start) / step)) : 0;
  const fromIdx = fromSlot * perSlot;
  const firstDay = Math.floor(window.start / DAY);
  const lastDay = Math.floor((window.end - 1) / DAY);
  const perDay = DAY / step;
  const dayFirstSlot = (day: number): number => Math.round((day * DAY - window.start) / step);
  // Per node, the slots where a container reported (`seen` also holds the node view's).
  const containerSeen = new Map<string, Uint8Array>();
  const reportedDays = new Map<string, number>();
  let kept: NodeHistoryState | undefined;
  const get = (name: string): NodeSlots | undefined => {
    if (!model.nodes.has(name)) return undefined;
    let n = nodes.get(name);
    if (!n) {
      n = {
        node: name,
        cpu: resourceSlots(slots),
        memory: resourceSlots(slots),
        seen: new Uint8Array(slots),
      };
      nodes.set(name, n);
      if (h) containerSeen.set(name, new Uint8Array(slots));
    }
    return n;
  };
  // Nodes the checkpoint holds that the cluster no longer has keep their days until they age out.
  const absent = new Map<string, Map<number, Uint8Array>>();
  const inWindow = (days: Map<number, Uint8Array>): Map<number, Uint8Array> =>
    new Map([...days].filter(([d]) => d >= firstDay && d <= lastDay));
  for (const [name, days] of h?.state?.nodes ?? []) {
    const within = inWindow(days);
    if (!within.size) continue;
    const n = get(name);
    if (!n) {
      absent.set(name, within);
      continue;
    }
    const seen = containerSeen.get(name)!;
    for (const [day, rec] of within) decodeNodeDay(rec, n, seen, dayFirstSlot(day), perDay);
    for (const a of [...nodeSlotArrays(n), n.seen, seen]) a.fill(0, fromSlot);
    if (!seen.includes(1)) {
      nodes.delete(name);
      containerSeen.delete(name);
    }
  }
  for (const [hash, day] of h?.state?.reported ?? []) if (day >= firstDay) reportedDays.set(hash, day);
  const tierOf = (p: PodModel | undefined): Tier => (p ? podTier(p, o.tierLabel) : 'high');
  // Slot aggregates of one series: CPU the mean of its intervals over the slot (a missing interval
  // counts as idle, as the workload demand series do), memory the slot's highest peak.
  const cpuSlot = new Float32Array(slots);
  const memSlot = new Float32Array(slots);
  const has = new Uint8Array(slots);

  return {
    add(s) {
      const pod = model.pods.get(`${s.namespace}/${s.pod}`);
      const node = get(s.node ?? pod?.nodeName ?? '');
      if (!node) return;
      reported.add(`${s.namespace}/${s.pod}/${s.container}`);
      if (h) {
        const hash = refHash(s.namespace, s.pod, s.container);
        const day = Math.min(lastDay, Math.max(firstDay, lastDataDay(s, window)));
        reportedDays.set(hash, Math.max(day, reportedDays.get(hash) ?? -Infinity));
      }
      cpuSlot.fill(0);
      memSlot.fill(0);
      has.fill(0);
      for (let i = Math.max(0, fromIdx - s.offset); i < s.cpuMean.length; i++) {
        const slot = Math.floor((s.offset + i) / perSlot);
        if (slot < 0 || slot >= slots) continue;
        const c = s.cpuMean[i]!;
        const m = s.memMax[i]!;
        if (c >= 0) {
          cpuSlot[slot]! += (c * 1000) / perSlot;
          has[slot] = 1;
        }
        if (m >= 0) {
          if (m > memSlot[slot]!) memSlot[slot] = m;
          has[slot] = 1;
        }
      }
      const c = pod?.containers.find((x) => x.name === s.container);
      const reqCpu = c?.requests.cpu ?? 0;
      const reqMem = c?.requests.memory ?? 0;
      const tier = tierOf(pod);
      const tc = node.cpu.tiers[tier];
      const tm = node.memory.tiers[tier];
      const cseen = containerSeen.get(node.node);
      for (let k = 0; k < slots; k++) {
        if (!has[k]) continue;
        node.seen[k] = 1;
        if (cseen) cseen[k] = 1;
        tc.usage[k]! += cpuSlot[k]!;
        tc.maxUsageRequest[k]! += Math.max(cpuSlot[k]!, reqCpu);
        tm.usage[k]! += memSlot[k]!;
        tm.maxUsageRequest[k]! += Math.max(memSlot[k]!, reqMem);
      }
    },
    addNode(s) {
      const node = get(s.node);
      if (!node) return;
      node.nodeSource = s.kind;
      const cpuCount = new Uint16Array(slots);
      const cpuSum = new Float64Array(slots);
      for (let i = 0; i < s.cpu.length; i++) {
        const slot = Math.floor(i / perSlot);
        if (slot >= slots) break;
        const c = s.cpu[i]!;
        const m = s.memory[i]!;
        if (c >= 0) {
          cpuSum[slot]! += c * 1000;
          cpuCount[slot]!++;
        }
        if (m >= 0 && !(m <= node.memory.node[slot]!)) node.memory.node[slot] = m;
      }
      // The node always reports; a slot's mean is over the intervals it covered.
      for (let k = 0; k < slots; k++) {
        if (cpuCount[k]) node.cpu.node[k] = cpuSum[k]! / cpuCount[k]!;
        if (cpuCount[k] || node.memory.node[k]! >= 0) node.seen[k] = 1;
      }
    },
    finish() {
      if (h) kept = keep();
      for (const p of model.pods.values()) {
        if (!p.nodeName || !running(p)) continue;
        const node = get(p.nodeName);
        if (!node) continue;
        const tier = tierOf(p);
        for (const c of p.containers) {
          if (reported.has(`${p.namespace}/${p.name}/${c.name}`)) continue;
          // Reported in the checkpoint's days, before the interval this run read.
          if (h && reportedDays.has(refHash(p.namespace, p.name, c.name))) continue;
          const cpu = c.requests.cpu ?? 0;
          const mem = c.requests.memory ?? 0;
          if (!cpu && !mem) continue;
          // Never observed at all: the requests are all there is, over the whole window.
          if (!node.seen.includes(1)) node.seen.fill(1);
          for (const r of [
            [node.cpu.tiers[tier], cpu],
            [node.memory.tiers[tier], mem],
          ] as const) {
            for (let k = 0; k < slots; k++) {
              r[0].usage[k]! += r[1];
              r[0].maxUsageRequest[k]! += r[1];
            }
          }
        }
      }
      return {
        start: window.start,
        step,
        slots,
        nodes,
        ...(o.tierLabel ? { tierLabel: o.tierLabel } : {}),
      };
    },
    history: () => kept,
  };

  function keep(): NodeHistoryState {
    const out = new Map(absent);
    for (const [name, n] of nodes) {
      const seen = containerSeen.get(name);
      if (!seen) continue;
      const days = new Map<number, Uint8Array>();
      for (let day = firstDay; day <= lastDay; day++) {
        const rec = encodeNodeDay(n, seen, dayFirstSlot(day), perDay);
        if (rec) days.set(day, rec);
      }
      if (days.size) out.set(name, days);
    }
    return { nodes: out, reported: new Map(reportedDays) };
  }
}

/** The UTC day of a series' last interval with data (its last interval when it has none). */
function lastDataDay(s: UsageSeries, window: UsageWindow): number {
  let i = s.cpuMean.length - 1;
  while (i > 0 && !(s.cpuMean[i]! >= 0) && !(s.memMax[i]! >= 0)) i--;
  return Math.floor((window.start + (s.offset + i) * window.step) / DAY);
}
