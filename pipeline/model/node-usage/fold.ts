/**
 * Folds container series and node series into per-node, per-tier slot sums (types.ts). A
 * container's series is added to the node its pod runs on (the source's `node` label, else the
 * live pod's nodeName) under the pod's tier. A live container that never reported counts at its
 * request in every slot, as the digests' fallback does: unknown is not free.
 */
import type { UsageSeries, UsageWindow } from '../../collect/types.js';
import type { NodeUsageSeries } from '../../collect/node-usage/types.js';
import type { ClusterModel, PodModel } from '../types.js';
import { podTier, type Tier } from '../tiers.js';
import { DEFAULT_DEMAND_STEP } from '../usage/fold.js';
import type { NodeSlots, NodeUsageModel, ResourceSlots } from './types.js';

export interface NodeFolder {
  add(series: UsageSeries): void;
  addNode(series: NodeUsageSeries): void;
  finish(): NodeUsageModel;
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
  o: { step?: number; tierLabel?: string } = {},
): NodeFolder {
  const step = Math.max(o.step ?? DEFAULT_DEMAND_STEP, window.step);
  const perSlot = Math.round(step / window.step);
  const slots = Math.ceil((window.end - window.start) / step);
  const nodes = new Map<string, NodeSlots>();
  const reported = new Set<string>();
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
    }
    return n;
  };
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
      cpuSlot.fill(0);
      memSlot.fill(0);
      has.fill(0);
      for (let i = 0; i < s.cpuMean.length; i++) {
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
      for (let k = 0; k < slots; k++) {
        if (!has[k]) continue;
        node.seen[k] = 1;
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
      for (const p of model.pods.values()) {
        if (!p.nodeName || !running(p)) continue;
        const node = get(p.nodeName);
        if (!node) continue;
        const tier = tierOf(p);
        for (const c of p.containers) {
          if (reported.has(`${p.namespace}/${p.name}/${c.name}`)) continue;
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
  };
}
