import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrace, provisionedAt, DAY } from './trace.js';
import { realSet, provisionedReal } from './set.js';
import { replayFrom, summarize } from '../replay.js';
import { tidemarkFast } from './tidemark-fast.js';
import { tidemarkReal } from './tidemark-real.js';

const KiB = 1024;
const MiB = 2 ** 20;
/** 2013-08-01T00:00:00Z, a midnight. */
const T = 1375315200;

const HEADER =
  'vm,timestamp_s,cpu_used_millicores,cpu_provisioned_cores,memory_used_kib,memory_provisioned_kib';

/**
 * VM 7: 17 days every 5 minutes from 00:01:40, 200m and 512 MiB of 2 cores and 2 GiB, except
 * one 1.5 GiB sample at 12:01:40 on day 16 and a gap of three samples on day 3; provisioned
 * memory grows to 3 GiB at noon on day 15. VM 9: the same from day 1, with a second sample 199 s after
 * the first in the same 5-minute slot on day 1.
 */
function traceText(): string {
  const rows: string[] = [HEADER];
  for (const vm of [7, 9]) {
    for (let t = T + (vm === 9 ? DAY : 0) + 100; t < T + 17 * DAY; t += 300) {
      if (vm === 7 && t >= T + 3 * DAY && t < T + 3 * DAY + 900) continue;
      const spike = vm === 7 && t === T + 16 * DAY + 12 * 3600 + 100;
      const memProv = vm === 7 && t >= T + 15 * DAY + 12 * 3600 ? 3 * 2 ** 20 : 2 * 2 ** 20;
      rows.push(`${vm},${t},200,2,${spike ? 1536 * KiB : 512 * KiB},${memProv}`);
      if (vm === 9 && t === T + DAY + 100) rows.push(`${vm},${t + 199},400,2,${600 * KiB},${memProv}`);
    }
  }
  return rows.join('\n') + '\n';
}

describe('bench/quality/real', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'quality-real-test-'));
    file = join(dir, 'trace.csv.gz');
    writeFileSync(file, gzipSync(traceText()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the trace into per-VM columns, caches them, and reads the cache back the same', async () => {
    const cache = join(dir, 'cache');
    const a = await loadTrace(file, cache);
    expect(readdirSync(cache).sort()).toHaveLength(2); // columns + index
    const b = await loadTrace(file, cache);
    expect(a.vms.map((v) => v.vm)).toEqual([7, 9]);
    expect(b.vms[1]!.time).toEqual(a.vms[1]!.time);
    expect(a.start).toBe(T);
    const v7 = a.vms[0]!;
    expect(v7.cpu[0]).toBeCloseTo(0.2, 9); // 200 millicores
    expect(v7.mem[0]).toBe(512 * MiB); // KiB × 1024
    // What the VM was provisioned as of a moment: its latest sample before it.
    expect(provisionedAt(v7, T + 15 * DAY + 12 * 3600 + 100).mem).toBe(2 * 2 ** 30);
    expect(provisionedAt(v7, T + 15 * DAY + 12 * 3600 + 101).mem).toBe(3 * 2 ** 30);
  });

  it('puts samples on the 5-minute grid: mean CPU and highest memory per slot, NaN for a gap', async () => {
    const set = realSet(await loadTrace(file, join(dir, 'cache')));
    const [w7, w9] = set.workloads;
    const slot = (t: number): number => Math.floor((t - T) / 300);
    expect(w9!.cpu[slot(T + DAY + 100)]).toBeCloseTo(0.3, 6); // (200m + 400m) / 2
    expect(w9!.mem[slot(T + DAY + 100)]).toBe(600 * MiB);
    expect(w7!.cpu[slot(T + 3 * DAY + 100)]).toBeNaN();
    expect(w7!.mem[slot(T + 16 * DAY + 12 * 3600 + 100)]).toBe(1536 * MiB);
    // The first sample is at 00:01:40 on day 0: day 15 is the first midnight with 14 days behind
    // it; the trace ends in day 16.
    expect(set.firstDay).toBe(15);
    expect(set.horizon).toBe(17);
    // Everyone starts from what the VM was provisioned on the first judged day.
    expect(w7!.provisioned).toEqual({ cpu: 2000, mem: 2 * 2 ** 30 });
  });

  it('judges the manual row on each day’s provisioned size: the 1.5 GiB sample fits 3 GiB', async () => {
    const set = realSet(await loadTrace(file, join(dir, 'cache')));
    const r = await replayFrom(provisionedReal(set), set.workloads, {
      judgeFrom: set.firstDay,
      horizon: set.horizon,
    });
    const row = summarize(r);
    expect(r.days.map((d) => d.length)).toEqual([2, 2]);
    expect(row.oomFreeDays).toBe(1);
    // Days 15 and 16: VM 7 at 2 then 3 GiB, VM 9 at 2 GiB: (2 + 2 + 3 + 2) / 2 days.
    expect(row.sumGiB).toBeCloseTo(4.5, 9);
    // 288 samples a day at 0.2 core against 2 cores: none above the request.
    expect(row.cpuAboveShare).toBe(0);
  });

  it('gives the same requests through `tidemark apply` on files and git as through the in-memory path', async () => {
    const set = realSet(await loadTrace(file, join(dir, 'cache')));
    const opts = { judgeFrom: set.firstDay, horizon: set.horizon };
    const variant = { name: 'pacing off', maxDecrease: { fraction: 0.99, per: '1h' } };
    const real = tidemarkReal(set, variant, { planEveryDays: 1 });
    const fast = tidemarkFast(set, variant, { planEveryDays: 1 });
    try {
      const a = await replayFrom(real, set.workloads, opts);
      const b = await replayFrom(fast, set.workloads, opts);
      const requests = (r: typeof a) => r.days.map((d) => d.map((x) => [x.cpu, x.mem, x.wouldOom]));
      expect(requests(a)).toEqual(requests(b));
      // The 1.5 GiB sample on day 16 kills VM 7 at the memory it was given, below 1.5 GiB.
      expect(a.days[0]![1]!.wouldOom).toBe(true);
      expect(a.days[0]![1]!.mem).toBeLessThan(1536 * MiB);
      expect(real.stats.map((s) => s.day)).toEqual([15, 16]);
      expect(real.stats[0]!.changed).toBe(2);
    } finally {
      real.cleanup();
      fast.cleanup();
    }
  }, 120_000);
});
