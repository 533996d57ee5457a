import { crc32c } from './crc32c.js';
import { readFrames } from './frames.js';
import { snappyLiteralBlock } from './snappy.js';
import { SourceError } from '../../../core/errors.js';
import { frame } from '../../../testing/remote-read-answer.js';

const URL = 'http://prom.example:9090/api/v1/read';

async function* pieces(b: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function all(body: AsyncIterable<Uint8Array>, max?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const f of readFrames(body, URL, max)) out.push(Buffer.from(f).toString());
  return out;
}

async function failure(body: AsyncIterable<Uint8Array>, max?: number): Promise<SourceError> {
  try {
    await all(body, max);
  } catch (e) {
    return e as SourceError;
  }
  throw new Error('expected a failure');
}

describe('remote read framing', () => {
  it('computes CRC-32C (Castagnoli) as the standard check value says', () => {
    // The check value of the CRC-32C catalogue entry: "123456789" -> 0xE3069283.
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // 32 zero bytes (RFC 3720, B.4): 0x8A9136AA.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
  });

  it('reads frames however the bytes arrive: whole, byte by byte, a length split across reads', async () => {
    const big = 'x'.repeat(300); // a two-byte length (0xac 0x02)
    const body = Buffer.concat([
      frame(Buffer.from('first')),
      frame(Buffer.from(big)),
      frame(Buffer.from('third')),
    ]);
    for (const size of [body.length, 1, 2, 7, 300])
      expect(await all(pieces(body, size))).toEqual(['first', big, 'third']);
  });

  it('refuses a frame whose checksum does not match, naming the URL and the frame', async () => {
    const body = Buffer.concat([frame(Buffer.from('good')), frame(Buffer.from('bad'), 0x12345678)]);
    const e = await failure(pieces(body, 5));
    expect(e).toBeInstanceOf(SourceError);
    expect(e.code).toBe('source-incomplete');
    expect(e.message).toBe(
      `Prometheus remote read at ${URL}: frame 2 is corrupt (CRC-32C 0x${crc32c(Buffer.from('bad')).toString(16).padStart(8, '0')}, the frame says 0x12345678)`,
    );
  });

  it('refuses an answer that ends inside a frame, and a length over the limit', async () => {
    const whole = Buffer.concat([frame(Buffer.from('one')), frame(Buffer.from('two'))]);
    const cut = await failure(pieces(whole.subarray(0, whole.length - 1), 4));
    expect(cut.message).toBe(
      `Prometheus remote read at ${URL}: the answer ends inside frame 2 (7 bytes left over)`,
    );
    // A server that fails mid-stream appends its error text: read as a length, then a bad frame.
    const text = await failure(
      pieces(Buffer.concat([frame(Buffer.from('one')), Buffer.from('\ninternal error')]), 64),
    );
    expect(text.code).toBe('source-incomplete');
    const huge = await failure(pieces(frame(Buffer.alloc(2000)), 64), 1000);
    expect(huge.message).toBe(
      `Prometheus remote read at ${URL}: frame 1 says 2000 bytes, more than the 1000-byte limit`,
    );
  });
});

describe('snappy literal blocks', () => {
  it('writes the length preamble and literal tags as the format describes', () => {
    // 5 bytes: preamble 5, tag (5-1)<<2 = 0x10, the bytes.
    expect([...snappyLiteralBlock(Buffer.from('hello'))]).toEqual([5, 0x10, ...Buffer.from('hello')]);
    // 100 bytes: preamble 100, tag 60<<2 = 0xf0 then 99 in one byte.
    const b100 = snappyLiteralBlock(Buffer.alloc(100, 1));
    expect([...b100.subarray(0, 3)]).toEqual([100, 0xf0, 99]);
    expect(b100.length).toBe(3 + 100);
    // 300 bytes: preamble 0xac 0x02, tag 61<<2 = 0xf4 then 299 little-endian (0x2b 0x01).
    const b300 = snappyLiteralBlock(Buffer.alloc(300, 2));
    expect([...b300.subarray(0, 5)]).toEqual([0xac, 0x02, 0xf4, 0x2b, 0x01]);
    // 70,000 bytes: two literals, 65,536 then 4,464 (0xffff and 0x116f as length - 1).
    const b70k = snappyLiteralBlock(Buffer.alloc(70000, 3));
    expect([...b70k.subarray(0, 6)]).toEqual([0xf0, 0xa2, 0x04, 0xf4, 0xff, 0xff]);
    expect([...b70k.subarray(6 + 65536, 6 + 65536 + 3)]).toEqual([0xf4, 0x6f, 0x11]);
    expect(b70k.length).toBe(3 + 3 + 65536 + 3 + 4464);
  });
});
