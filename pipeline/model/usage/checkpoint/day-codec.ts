/**
 * One workload's day of folded usage, as bytes: every container's digest (referenced to the day's
 * start), the day's demand slots, OOM kills and restarts. Digest fields are written generically,
 * in the order of `digestLayout`, so a field added to ContainerDigestState is carried without
 * touching this file (a per-day array is one value per day; a histogram its non-empty buckets),
 * and a checkpoint written with other fields is recognised as such and not read.
 *
 * No pod name is written: events keep the container name and the time, nothing else a label says.
 */
import type { OomEvent, RestartEvent, UsageWindow } from '../../../collect/types.js';
import type { WorkloadKey } from '../../types.js';
import { createDigest, type DigestOptions } from '../container-digest.js';
import { DecayingHistogram } from '../histogram.js';
import type { ContainerUsageDigest, WorkloadUsage } from '../types.js';
import { ByteReader, ByteWriter } from './bytes.js';

export type FieldKind = 'number' | 'histogram' | 'float32-per-day' | 'float64-per-day';

export interface DigestField {
  name: string;
  kind: FieldKind;
}

/** Fields every digest has that the format does not store: the day's start is the record's. */
const DERIVED = new Set(['windowStart', 'container']);

export const DAY = 86400;

export function dayWindow(day: number, step: number): UsageWindow {
  return { start: day * DAY, end: (day + 1) * DAY, step };
}

/** The digest's fields and how each is stored, read off a fresh digest (so never out of date). */
export function digestLayout(options: DigestOptions): DigestField[] {
  const d = createDigest(dayWindow(0, 300), options) as unknown as Record<string, unknown>;
  return Object.keys(d)
    .filter((k) => !DERIVED.has(k))
    .sort()
    .map((name) => ({ name, kind: kindOf(name, d[name]) }));
}

function kindOf(name: string, v: unknown): FieldKind {
  if (typeof v === 'number') return 'number';
  if (v instanceof DecayingHistogram) return 'histogram';
  if (v instanceof Float32Array) return 'float32-per-day';
  if (v instanceof Float64Array) return 'float64-per-day';
  throw new Error(`checkpoint: digest field ${name} has a type the format cannot store`);
}

/**
 * What a checkpoint must match to be read: the fields, the histograms' buckets and half-lives. A
 * checkpoint written under another signature is a cold run's reason.
 */
export function digestSignature(options: DigestOptions): string {
  const d = createDigest(dayWindow(0, 300), options) as unknown as Record<string, unknown>;
  return digestLayout(options)
    .map((f) => {
      if (f.kind !== 'histogram') return `${f.name}:${f.kind}`;
      const h = d[f.name] as DecayingHistogram;
      const s = h.scheme;
      return `${f.name}:histogram(${s.kind},${s.first},${s.ratio},${s.count},halfLife=${h.halfLife},cap=${h.capAtMax})`;
    })
    .join(';');
}

export interface DayCodec {
  encode(u: WorkloadUsage): Uint8Array;
  decode(workload: WorkloadKey, day: number, bytes: Uint8Array): WorkloadUsage;
  /**
   * The same day, decoded into digests and demand arrays reused from the previous call of this
   * method: valid only until the next call, for a caller that copies it out at once (the window
   * merge). A warm run merges 14 days of every container; a fresh digest per day was its largest
   * allocation (four histograms each).
   */
  decodeTransient(workload: WorkloadKey, day: number, bytes: Uint8Array): WorkloadUsage;
}

export function createDayCodec(step: number, demandStep: number, options: DigestOptions): DayCodec {
  const layout = digestLayout(options);
  const histograms = layout.filter((f) => f.kind === 'histogram');
  const slots = DAY / demandStep;
  const scratch: Scratch = { digests: new Map() };
  return {
    encode(u) {
      const w = new ByteWriter();
      w.u32(u.instances);
      w.u16(u.containers.size);
      for (const d of [...u.containers.values()].sort((a, b) => (a.container < b.container ? -1 : 1))) {
        w.str(d.container);
        const rec = d as unknown as Record<string, unknown>;
        for (const f of layout) writeField(w, f, rec[f.name]);
      }
      const dm = u.demand;
      const any = dm.pods.some((v) => v > 0) || dm.cpu.some((v) => v > 0) || dm.memory.some((v) => v > 0);
      w.u8(any ? 1 : 0);
      if (any)
        for (const a of [dm.cpu, dm.cpuMax, dm.memory, dm.pods]) for (let i = 0; i < slots; i++) w.f32(a[i]!);
      w.u16(u.ooms.length);
      for (const o of u.ooms) {
        w.str(o.container);
        w.f64(o.time);
        w.f64(o.limitBytes ?? NaN);
        w.u8(o.source === 'snapshot' ? 1 : 0);
      }
      const restarts = u.restarts;
      w.u16(restarts.length);
      for (const r of restarts) {
        w.str(r.container);
        w.f64(r.time);
        w.f64(r.count);
      }
      return w.finish();
    },
    decode: (workload, day, bytes) => decode(workload, day, bytes),
    decodeTransient: (workload, day, bytes) => decode(workload, day, bytes, scratch),
  };

  function decode(workload: WorkloadKey, day: number, bytes: Uint8Array, reuse?: Scratch): WorkloadUsage {
    const win = dayWindow(day, step);
    const namespace = workload.split('/')[1] ?? '';
    const r = new ByteReader(bytes);
    const instances = r.u32();
    const containers = new Map<string, ContainerUsageDigest>();
    for (let n = r.u16(); n > 0; n--) {
      const container = r.str();
      let d = reuse?.digests.get(container);
      if (d) {
        // Every field is read below; a histogram's buckets only where non-empty.
        for (const f of histograms)
          (d as unknown as Record<string, DecayingHistogram>)[f.name]!.weights.fill(0);
        d.windowStart = win.start;
      } else {
        d = { container, ...createDigest(win, options) } as ContainerUsageDigest;
        // Bounded: container names repeat across workloads (app, sidecars), but need not.
        if (reuse && reuse.digests.size >= 256) reuse.digests.clear();
        reuse?.digests.set(container, d);
      }
      const rec = d as unknown as Record<string, unknown>;
      for (const f of layout) readField(r, f, rec);
      containers.set(container, d);
    }
    const arrays = reuse
      ? (reuse.demand ??= [0, 1, 2, 3].map(() => new Float32Array(slots)))
      : [0, 1, 2, 3].map(() => new Float32Array(slots));
    const [cpu, cpuMax, memory, pods] = arrays as [Float32Array, Float32Array, Float32Array, Float32Array];
    const demand = { start: win.start, step: demandStep, cpu, cpuMax, memory, pods };
    if (r.u8()) for (const a of arrays) for (let i = 0; i < slots; i++) a[i] = r.f32();
    else if (reuse) for (const a of arrays) a.fill(0);
    const ooms: OomEvent[] = [];
    for (let n = r.u16(); n > 0; n--) {
      const container = r.str();
      const time = r.f64();
      const limit = r.f64();
      const source = r.u8() === 1 ? 'snapshot' : 'metrics';
      ooms.push({
        namespace,
        pod: '',
        container,
        time,
        ...(limit >= 0 ? { limitBytes: limit } : {}),
        source,
      });
    }
    const restarts: RestartEvent[] = [];
    for (let n = r.u16(); n > 0; n--) {
      const container = r.str();
      const time = r.f64();
      restarts.push({ namespace, pod: '', container, time, count: r.f64() });
    }
    if (!r.done) throw new Error(`day record of ${workload} has ${bytes.length - r.pos} bytes past its end`);
    return { workload, window: win, containers, demand, ooms, restarts, instances };
  }
}

interface Scratch {
  digests: Map<string, ContainerUsageDigest>;
  demand?: Float32Array[];
}

function writeField(w: ByteWriter, f: DigestField, v: unknown): void {
  switch (f.kind) {
    case 'number':
      w.f64(v as number);
      return;
    case 'float32-per-day':
      w.f32((v as Float32Array)[0]!);
      return;
    case 'float64-per-day':
      w.f64((v as Float64Array)[0]!);
      return;
    case 'histogram': {
      const h = v as DecayingHistogram;
      w.f64(h.total);
      w.f64(h.top);
      let nnz = 0;
      for (const x of h.weights) if (x !== 0) nnz++;
      w.u16(nnz);
      for (let b = 0; b < h.weights.length; b++) if (h.weights[b] !== 0) w.u8(b);
      for (let b = 0; b < h.weights.length; b++) if (h.weights[b] !== 0) w.f64(h.weights[b]!);
    }
  }
}

function readField(r: ByteReader, f: DigestField, rec: Record<string, unknown>): void {
  switch (f.kind) {
    case 'number':
      rec[f.name] = r.f64();
      return;
    case 'float32-per-day':
      (rec[f.name] as Float32Array)[0] = r.f32();
      return;
    case 'float64-per-day':
      (rec[f.name] as Float64Array)[0] = r.f64();
      return;
    case 'histogram': {
      const h = rec[f.name] as DecayingHistogram;
      h.total = r.f64();
      h.top = r.f64();
      const nnz = r.u16();
      const idx = r.bytes(nnz);
      for (let i = 0; i < nnz; i++) {
        const b = idx[i]!;
        if (b >= h.weights.length)
          throw new Error(`histogram ${f.name} has bucket ${b} of ${h.weights.length}`);
        h.weights[b] = r.f64();
      }
    }
  }
}
