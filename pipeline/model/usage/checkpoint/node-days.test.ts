import type { UsageSeries, UsageWindow } from '../../../collect/types.js';
import { createNodeFolder } from '../../node-usage/fold.js';
import type { NodeSlots, NodeUsageModel } from '../../node-usage/types.js';
import { container, modelOf, node, pod } from '../../../testing/model-fixtures.js';
import { series } from '../../../testing/usage-fixtures.js';
import { decodeNodeDay, encodeNodeDay, nodeSlotArrays, refHash, type NodeHistoryState } from './node-days.js';

const DAY = 86400;
const GiB = 2 ** 30;
const S = 20_000 * DAY;

function emptySlots(name: string, n: number): NodeSlots {
  const r = () => ({
    tiers: {
      high: { usage: new Float32Array(n), maxUsageRequest: new Float32Array(n) },
      mid: { usage: new Float32Array(n), maxUsageRequest: new Float32Array(n) },
      batch: { usage: new Float32Array(n), maxUsageRequest: new Float32Array(n) },
    },
    node: new Float32Array(n).fill(NaN),
  });
  return { node: name, cpu: r(), memory: r(), seen: new Uint8Array(n) };
}

describe('model/usage/checkpoint/node-days', () => {
  it("a node's day survives the bytes and lands at its day's slots of another window", () => {
    // Three days of 15-minute slots; day 1 holds 1.5 cores of high-tier CPU at 01:00 and 1 GiB of
    // batch memory (held: max of use and request) at 13:30.
    const src = emptySlots('n1', 3 * 96);
    const seen = new Uint8Array(3 * 96);
    src.cpu.tiers.high.usage[96 + 4] = 1500;
    src.memory.tiers.batch.maxUsageRequest[96 + 54] = GiB;
    seen[96 + 4] = seen[96 + 54] = 1;
    const bytes = encodeNodeDay(src, seen, 96, 96)!;
    // u16 mask, 96 seen bits, and only the two arrays that hold a value: 2 + 12 + 2 × 96 × 4.
    expect(bytes.length).toBe(782);
    expect(encodeNodeDay(src, seen, 0, 96)).toBeUndefined();

    // The window the day is read into starts a day earlier: the day is its third.
    const dst = emptySlots('n1', 4 * 96);
    const dstSeen = new Uint8Array(4 * 96);
    decodeNodeDay(bytes, dst, dstSeen, 192, 96);
    expect(dst.cpu.tiers.high.usage[196]).toBe(1500);
    expect(dst.memory.tiers.batch.maxUsageRequest[246]).toBe(GiB);
    const nonZero = nodeSlotArrays(dst).reduce((n, a) => n + a.filter((v) => v !== 0).length, 0);
    expect(nonZero).toBe(2);
    expect([...dstSeen.keys()].filter((k) => dstSeen[k])).toEqual([196, 246]);
    expect([...dst.seen.keys()].filter((k) => dst.seen[k])).toEqual([196, 246]);
    // A window that ends inside the day takes the slots it has.
    const short = emptySlots('n1', 2 * 96 + 10);
    decodeNodeDay(bytes, short, new Uint8Array(2 * 96 + 10), 192, 96);
    expect(short.cpu.tiers.high.usage[196]).toBe(1500);
    expect(() => decodeNodeDay(Uint8Array.from([...bytes, 0]), dst, dstSeen, 192, 96)).toThrow(
      /1 bytes past its end/,
    );
  });

  it('a fold carried over a checkpoint that ends inside a slot equals one fold of the window', () => {
    const model = modelOf(
      [
        node('n1', { cpu: '8', memory: '32Gi' }),
        pod('web-a', 'shop', undefined, {
          node: 'n1',
          containers: [container({ name: 'app', cpu: '800m', memory: '1Gi' })],
        }),
        pod('job-a', 'batch', undefined, {
          node: 'n1',
          labels: { 'koordinator.sh/priority-class': 'koord-batch' },
          containers: [container({ name: 'main', cpu: '300m', memory: '512Mi' })],
        }),
        // Live, never reported: counted at its request in every slot, by both runs.
        pod('quiet', 'shop', undefined, {
          node: 'n1',
          containers: [container({ name: 'app', cpu: '200m', memory: '256Mi' })],
        }),
      ],
      S + 3 * DAY,
    );
    const W: UsageWindow = { start: S, end: S + 3 * DAY, step: 300 };
    // web: 1 core, 1.5 from 12:00 UTC; a memory peak that moves every 5 minutes. job-a runs on day 0
    // only (then stays live without reporting: the warm run must know it reported).
    const all: UsageSeries[] = [
      series(
        W,
        { namespace: 'shop', pod: 'web-a', container: 'app' },
        {
          cpu: (t) => ((t % DAY) / 3600 >= 12 ? 1.5 : 1),
          mem: (t) => GiB + ((t / 300) % 7) * 2 ** 20,
        },
      ),
      series(
        W,
        { namespace: 'batch', pod: 'job-a', container: 'main' },
        { cpu: () => 0.5, mem: () => GiB / 4 },
        { to: S + DAY },
      ),
    ].map((s) => ({ ...s, node: 'n1' }));
    const cut = (s: UsageSeries, from: number, w: UsageWindow): UsageSeries | undefined => {
      const lo = Math.max(0, Math.round((from - w.start) / w.step) - s.offset);
      const hi = Math.min(s.cpuMean.length, Math.round((w.end - w.start) / w.step) - s.offset);
      if (lo >= hi) return undefined;
      return {
        ...s,
        offset: s.offset + lo,
        cpuMean: s.cpuMean.subarray(lo, hi),
        cpuMax: s.cpuMax.subarray(lo, hi),
        memMax: s.memMax.subarray(lo, hi),
      };
    };
    const fold = (w: UsageWindow, from: number, state?: NodeHistoryState) => {
      const f = createNodeFolder(model, w, { history: { from, ...(state ? { state } : {}) } });
      // What the source returns from the start of the slot holding `from` (usage-history.ts).
      const readFrom = w.start + Math.floor((from - w.start) / 900) * 900;
      for (const s of all) {
        const c = cut(s, readFrom, w);
        if (c) f.add(c);
      }
      return { usage: f.finish(), kept: f.history()! };
    };

    const cold = fold(W, S).usage;
    // The day before: a checkpoint ending at 12:10 on day 1, inside the 12:00–12:15 slot.
    const T1 = S + DAY + 12 * 3600 + 600;
    const earlier = fold({ ...W, end: T1 }, S);
    expect([...earlier.kept.reported.values()].sort()).toEqual([20_000, 20_001]);
    expect(earlier.kept.reported.get(refHash('batch', 'job-a', 'main'))).toBe(20_000);
    const warm = fold(W, T1, earlier.kept).usage;

    const arrays = (m: NodeUsageModel) => {
      const n = m.nodes.get('n1')!;
      return [...nodeSlotArrays(n), n.seen].map((a) => [...a]);
    };
    expect(arrays(warm)).toEqual(arrays(cold));
    const high = cold.nodes.get('n1')!.cpu.tiers.high.usage;
    const batch = cold.nodes.get('n1')!.cpu.tiers.batch;
    // Hand-computed: web 1000 m + quiet's 200 m request at 00:00 on day 0; 1500 + 200 from 12:00.
    expect(high[0]).toBe(1200);
    expect(high[96 + 48]).toBe(1700);
    // job-a: 500 m used, 500 m held (above its 300 m request) on day 0; nothing after it stopped.
    expect([batch.usage[10], batch.maxUsageRequest[10]]).toEqual([500, 500]);
    expect([batch.usage[96 + 10], batch.usage[2 * 96 + 10]]).toEqual([0, 0]);
  });
});
