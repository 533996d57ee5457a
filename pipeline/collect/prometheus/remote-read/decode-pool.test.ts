/**
 * The decode pool on its own: real worker threads (started from the .ts entry through tsx, as
 * under jest and `npx tsx`), an error's class and context across the thread boundary, and a
 * worker that stops with a decode pending.
 */
import { SourceError, TidemarkError } from '../../../core/errors.js';
import { ceilingIndex } from '../../sample-check.js';
import { chunkedReadResponse, frame } from '../../../testing/remote-read-answer.js';
import type { DecodeTask } from './decode-batch.js';
import { createDecodePool, liveDecodeWorkers } from './decode-pool.js';
import { reviveError, serializeError } from './decode-protocol.js';

const URL = 'http://prom.example:9090/api/v1/read';
const MEM = 'container_memory_working_set_bytes';

/** One working-set series over [0, 600 s], its points at 300 s and 600 s. */
const task: DecodeTask = {
  url: URL,
  what: 'remote read of team-a (2 pods)',
  metrics: [MEM],
  startMs: 0,
  endMs: 600_000,
  w: { start: 0, end: 600, step: 300 },
  grids: [{ from: 300, to: 600, step: 300 }],
  scrape: 60,
  kinds: ['memMax'],
  final: true,
};
const noCeilings = ceilingIndex({ window: task.w, containers: [] });
const labels = { __name__: MEM, namespace: 'team-a', pod: 'api-0', container: 'app' };

describe('remote read decode pool', () => {
  it('keeps a TidemarkError’s class, code, located message and context across the boundary', () => {
    const thrown = new SourceError('query-invalid', 'no such matcher', {
      file: '/etc/tidemark/config.yaml',
      object: 'Prometheus remote read at http://prom.example:9090/api/v1/read',
      field: 'metrics.prometheus.selector',
    });
    // Through a structured clone, as postMessage sends it.
    const back = reviveError(structuredClone(serializeError(thrown)));
    expect(back).toBeInstanceOf(SourceError);
    expect((back as SourceError).code).toBe('query-invalid');
    expect(back.message).toBe(
      '/etc/tidemark/config.yaml: Prometheus remote read at http://prom.example:9090/api/v1/read: metrics.prometheus.selector: no such matcher',
    );
    expect((back as SourceError).context).toEqual(thrown.context);
    // Another TidemarkError stays one; anything else (a bug) keeps its name and message.
    const other = reviveError(serializeError(new TidemarkError('internal', 'x', { object: 'o' })));
    expect([other instanceof TidemarkError, other instanceof SourceError, other.message]).toEqual([
      true,
      false,
      'o: x',
    ]);
    const bug = reviveError(structuredClone(serializeError(new RangeError('offset out of bounds'))));
    expect([bug instanceof TidemarkError, bug.name, bug.message]).toEqual([
      false,
      'RangeError',
      'offset out of bounds',
    ]);
  });

  it('decodes a chunk made by hand in a worker and on the main thread alike', async () => {
    // Two samples in the window's second interval, 1,000 and 3,000 bytes: its peak is 3,000.
    // An XOR chunk by hand: 2 samples; t0 = 310,000 ms (zigzag 620,000), v0 = 1000, then delta
    // 60,000 ms and v1 = 3000 written as '11', leading 0, all 64 bits significant (6 bits 0).
    const bits: string[] = [];
    const push = (v: bigint, n: number): void => {
      bits.push(v.toString(2).padStart(n, '0'));
    };
    const f64 = (x: number): bigint => new BigUint64Array(Float64Array.of(x).buffer)[0]!;
    const varint = (n: number): void => {
      for (; n >= 0x80; n = Math.floor(n / 128)) push(BigInt((n % 128) | 0x80), 8);
      push(BigInt(n), 8);
    };
    push(2n, 16);
    varint(620_000);
    push(f64(1000), 64);
    varint(60_000);
    push(0b11n, 2);
    push(0n, 5);
    push(0n, 6);
    push(f64(1000) ^ f64(3000), 64);
    const s = bits.join('').padEnd(Math.ceil(bits.join('').length / 8) * 8, '0');
    const chunk = Uint8Array.from(s.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    const body = (): Buffer =>
      frame(
        chunkedReadResponse(0, labels, [{ minTimeMs: 310_000, maxTimeMs: 370_000, type: 1, data: chunk }]),
      );
    const results = [];
    for (const size of [1, 0]) {
      const pool = createDecodePool(size, { containers: [] }, noCeilings);
      try {
        expect(pool.size).toBe(size);
        results.push(await pool.decode(body(), task));
        expect(liveDecodeWorkers()).toBe(size);
      } finally {
        await pool.close();
      }
      expect(liveDecodeWorkers()).toBe(0);
    }
    for (const r of results) {
      expect([r.frames, r.rawSamples, r.points]).toEqual([1, 2, 1]);
      expect(r.series).toHaveLength(1);
      const x = r.series[0]!;
      // Point 600 s (max over [299.999 s, 599.999 s]) is the window's second interval.
      expect([x.namespace, x.pod, x.container, x.offset]).toEqual(['team-a', 'api-0', 'app', 1]);
      expect(Array.from(x.memMax)).toEqual([3000]);
    }
  });

  it('fails a decode whose worker stops with a SourceError naming the batch, never a hang', async () => {
    const pool = createDecodePool(1, { containers: [] }, noCeilings);
    // The worker takes hundreds of milliseconds to load: it is stopped with the decode queued.
    const pending = pool.decode(frame(chunkedReadResponse(0, labels, [])), task);
    await pool.close();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toBe(
      `Prometheus remote read at ${URL}: the worker decoding remote read of team-a (2 pods) was stopped`,
    );
    expect(liveDecodeWorkers()).toBe(0);
  });
});
