/**
 * The node fold's days (model/node-usage/fold.ts) as bytes: per node and UTC day, the tiers' slot
 * sums and the slots where a container reported, before the fold's fallback for live containers
 * that never reported (that is computed again each run, from the pods live then). The node's own
 * view (node-exporter, cAdvisor) is not kept: each run reads it for the whole window.
 *
 * Which containers reported is kept as a 64-bit hash of `namespace/pod/container` with the last
 * UTC day it reported — never a pod name — so a warm run knows a live container that reported
 * only before the checkpoint's end as a cold read does.
 */
import { createHash } from 'node:crypto';
import type { NodeSlots } from '../../node-usage/types.js';
import { TIERS } from '../../tiers.js';
import { ByteReader, ByteWriter } from './bytes.js';

export interface NodeHistoryState {
  /** Node name → UTC day number → encoded day (nodeDayRecord). */
  nodes: Map<string, Map<number, Uint8Array>>;
  /** Hash of `namespace/pod/container` (16 hex digits) → the last UTC day it reported. */
  reported: Map<string, number>;
}

/** The 12 slot arrays of a day record, in their order in the bytes (the mask's bits 0–11). */
export function nodeSlotArrays(n: NodeSlots): Float32Array[] {
  const out: Float32Array[] = [];
  for (const r of [n.cpu, n.memory])
    for (const t of TIERS) out.push(r.tiers[t].usage, r.tiers[t].maxUsageRequest);
  return out;
}

export function refHash(namespace: string, pod: string, container: string): string {
  return createHash('sha256').update(`${namespace}/${pod}/${container}`).digest('hex').slice(0, 16);
}

/**
 * One node's day: slots [first, first + perDay) of its arrays, and of `seen` (the slots where a
 * container reported); the window's last day may end early, its missing slots written as 0.
 * Undefined when no container reported that day.
 */
export function encodeNodeDay(
  n: NodeSlots,
  seen: Uint8Array,
  first: number,
  perDay: number,
): Uint8Array | undefined {
  const end = Math.min(first + perDay, seen.length);
  let any = false;
  for (let k = first; k < end; k++) if (seen[k]) any = true;
  if (!any) return undefined;
  const w = new ByteWriter();
  const arrays = nodeSlotArrays(n);
  let mask = 0;
  arrays.forEach((a, i) => {
    for (let k = first; k < end; k++)
      if (a[k] !== 0) {
        mask |= 1 << i;
        return;
      }
  });
  w.u16(mask);
  for (let k = 0; k < perDay; k += 8) {
    let b = 0;
    for (let j = 0; j < 8; j++) if (first + k + j < end && seen[first + k + j]) b |= 1 << j;
    w.u8(b);
  }
  arrays.forEach((a, i) => {
    if (!(mask & (1 << i))) return;
    for (let k = first; k < first + perDay; k++) w.f32(k < end ? a[k]! : 0);
  });
  return w.finish();
}

/** Reads a day record into slots [first, first + perDay) of the node's arrays (those inside them). */
export function decodeNodeDay(
  bytes: Uint8Array,
  n: NodeSlots,
  seen: Uint8Array,
  first: number,
  perDay: number,
): void {
  const r = new ByteReader(bytes);
  const mask = r.u16();
  if (mask >> 12) throw new Error(`node ${n.node}: slot mask ${mask} names arrays the format has not`);
  const inside = (k: number): boolean => k >= 0 && k < seen.length;
  for (let k = 0; k < perDay; k += 8) {
    const b = r.u8();
    for (let j = 0; j < 8 && k + j < perDay; j++)
      if (b & (1 << j) && inside(first + k + j)) {
        seen[first + k + j] = 1;
        n.seen[first + k + j] = 1;
      }
  }
  nodeSlotArrays(n).forEach((a, i) => {
    if (!(mask & (1 << i))) return;
    for (let k = first; k < first + perDay; k++) {
      const v = r.f32();
      if (inside(k)) a[k] = v;
    }
  });
  if (!r.done) throw new Error(`day record of node ${n.node} has ${bytes.length - r.pos} bytes past its end`);
}

/** The node section of the checkpoint's payload (README.md, format 2). */
export function writeNodeSection(w: ByteWriter, s: NodeHistoryState): void {
  const names = [...s.nodes.keys()].sort();
  w.u32(names.length);
  for (const name of names) {
    const days = s.nodes.get(name)!;
    w.str(name);
    w.u16(days.size);
    for (const day of [...days.keys()].sort((a, b) => a - b)) {
      const rec = days.get(day)!;
      w.i32(day);
      w.u32(rec.length);
      w.bytes(rec);
    }
  }
  const refs = [...s.reported.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  w.u32(refs.length);
  for (const [hash, day] of refs) {
    w.bytes(Buffer.from(hash, 'hex'));
    w.i32(day);
  }
}

export function readNodeSection(r: ByteReader): NodeHistoryState {
  const nodes = new Map<string, Map<number, Uint8Array>>();
  for (let n = r.u32(); n > 0; n--) {
    const name = r.str();
    const days = new Map<number, Uint8Array>();
    for (let d = r.u16(); d > 0; d--) {
      const day = r.i32();
      days.set(day, r.bytes(r.u32()).slice());
    }
    nodes.set(name, days);
  }
  const reported = new Map<string, number>();
  for (let n = r.u32(); n > 0; n--) {
    const hash = Buffer.from(r.bytes(8)).toString('hex');
    reported.set(hash, r.i32());
  }
  return { nodes, reported };
}
