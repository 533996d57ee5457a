import { createDigest, DEFAULT_DIGEST_OPTIONS } from '../container-digest.js';
import type { ContainerUsageDigest, WorkloadUsage } from '../types.js';
import { createDayCodec, DAY, dayWindow, digestLayout } from './day-codec.js';
import { createWindowMerger } from './merge-days.js';

const o = DEFAULT_DIGEST_OPTIONS;
const day = 20_003;

/** A day whose every digest field holds a value of its own, whatever fields the digest has. */
function filledDay(): WorkloadUsage {
  const d = { container: 'app', ...createDigest(dayWindow(day, 300), o) } as ContainerUsageDigest;
  const rec = d as unknown as Record<string, unknown>;
  digestLayout(o).forEach((f, i) => {
    if (f.kind === 'number') rec[f.name] = 1000 + i;
    else if (f.kind === 'float32-per-day' || f.kind === 'float64-per-day')
      (rec[f.name] as Float32Array | Float64Array)[0] = 2000 + i;
    else
      (rec[f.name] as { add(v: number, w: number, t: number): void }).add(0.05 * (i + 1), 1, day * DAY + 600);
  });
  const slots = DAY / 900;
  return {
    workload: 'Deployment/shop/web',
    window: dayWindow(day, 300),
    containers: new Map([['app', d]]),
    demand: {
      start: day * DAY,
      step: 900,
      cpu: new Float32Array(slots).fill(0.5),
      cpuMax: new Float32Array(slots).fill(0.75),
      memory: new Float32Array(slots).fill(1e8),
      pods: new Float32Array(slots).fill(2),
    },
    ooms: [
      {
        namespace: 'shop',
        pod: 'web-abc12-xyz12',
        container: 'app',
        time: day * DAY + 60,
        source: 'metrics',
      },
    ],
    restarts: [],
    instances: 2,
  };
}

describe('model/usage/checkpoint/day-codec', () => {
  it('every field of the digest survives the bytes, and the pod name does not', () => {
    const codec = createDayCodec(300, 900, o);
    const src = filledDay();
    const back = codec.decode(src.workload, day, codec.encode(src));
    const a = src.containers.get('app') as unknown as Record<string, unknown>;
    const b = back.containers.get('app') as unknown as Record<string, unknown>;
    for (const f of digestLayout(o)) {
      if (f.kind === 'histogram') {
        const [x, y] = [a[f.name], b[f.name]] as { weights: Float64Array; total: number; top: number }[];
        expect([...y!.weights]).toEqual([...x!.weights]);
        expect([y!.total, y!.top]).toEqual([x!.total, x!.top]);
      } else expect(b[f.name]).toEqual(a[f.name]);
    }
    expect(back.demand.cpu[95]).toBe(0.5);
    expect(back.ooms).toEqual([
      { namespace: 'shop', pod: '', container: 'app', time: day * DAY + 60, source: 'metrics' },
    ]);
  });

  it('decodes the same day into reused digests as into fresh ones, whatever the previous day held', () => {
    const codec = createDayCodec(300, 900, o);
    const busy = filledDay();
    // A second day: other histogram buckets (the first day's must not linger), no demand at all.
    const quiet = filledDay();
    const q = quiet.containers.get('app') as unknown as Record<string, unknown>;
    for (const f of digestLayout(o).filter((x) => x.kind === 'histogram')) {
      const h = createDigest(dayWindow(day, 300), o) as unknown as Record<
        string,
        { add(v: number, w: number, t: number): void }
      >;
      h[f.name]!.add(7, 1, day * DAY + 900);
      q[f.name] = h[f.name];
    }
    for (const a of [quiet.demand.cpu, quiet.demand.cpuMax, quiet.demand.memory, quiet.demand.pods])
      a.fill(0);
    const plain = (u: WorkloadUsage): unknown =>
      JSON.parse(
        JSON.stringify(u, (_, v: unknown) =>
          v instanceof Map ? [...v] : ArrayBuffer.isView(v) ? [...(v as Float64Array)] : v,
        ),
      );
    const busyBytes = codec.encode(busy);
    const quietBytes = codec.encode(quiet);
    const fresh = [
      plain(codec.decode(busy.workload, day, busyBytes)),
      plain(codec.decode(busy.workload, day, quietBytes)),
    ];
    const reused = [
      plain(codec.decodeTransient(busy.workload, day, busyBytes)),
      plain(codec.decodeTransient(busy.workload, day, quietBytes)),
    ];
    expect(reused).toEqual(fresh);
    expect(fresh[0]).not.toEqual(fresh[1]);
  });

  it("puts every per-day field at its day's index of the window", () => {
    const window = { start: 20_000 * DAY, end: 20_005 * DAY, step: 300 };
    const m = createWindowMerger('Deployment/shop/web', window, 900, o);
    m.add(filledDay());
    const d = m.finish()!.containers.get('app') as unknown as Record<string, unknown>;
    let perDay = 0;
    digestLayout(o).forEach((f, i) => {
      if (f.kind !== 'float32-per-day' && f.kind !== 'float64-per-day') return;
      const arr = [...(d[f.name] as Float32Array)];
      expect(arr[3]).toBe(2000 + i);
      // Days without a record stay as a fresh digest has them.
      expect(arr[2]).toEqual(
        (createDigest(window, o) as unknown as Record<string, Float32Array>)[f.name]![2],
      );
      perDay++;
    });
    expect(perDay).toBeGreaterThanOrEqual(2);
    expect(m.finish()!.demand.pods[3 * 96]).toBe(2);
  });
});
