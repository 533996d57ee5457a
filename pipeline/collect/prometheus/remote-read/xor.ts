/**
 * Prometheus' XOR chunks (tsdb/chunkenc/xor.go, Gorilla with millisecond timestamps): a
 * big-endian uint16 sample count, then a bit stream. The first sample is a signed varint time and
 * the value's 64 bits; the second a uvarint time delta and an XOR-coded value; every later one a
 * delta-of-delta time ('0', or '10'+14, '110'+17, '1110'+20, '1111'+64 bits, two's complement
 * with the top positive value one higher) and an XOR-coded value ('0' same; '10' the previous
 * leading/trailing zero counts; '11', 5 bits leading, 6 bits significant (0 = 64), then the bits).
 * Values are kept as two 32-bit halves: JavaScript has no 64-bit integer short of BigInt.
 */

/** Samples of one series in time order, growable, reused between series. */
export class SampleBuffer {
  t = new Float64Array(1024);
  v = new Float64Array(1024);
  n = 0;
  /** Staleness markers seen (and left out): the series ended or was missed at that time. */
  stale = 0;

  reset(): void {
    this.n = 0;
    this.stale = 0;
  }

  push(t: number, v: number): void {
    // Chunks of overlapping blocks can repeat a time: the first one stays.
    if (this.n > 0 && t <= this.t[this.n - 1]!) return;
    if (this.n === this.t.length) {
      const t2 = new Float64Array(this.n * 2);
      t2.set(this.t);
      this.t = t2;
      const v2 = new Float64Array(this.n * 2);
      v2.set(this.v);
      this.v = v2;
    }
    this.t[this.n] = t;
    this.v[this.n++] = v;
  }
}

export class ChunkDecodeError extends Error {}

const STALE_HI = 0x7ff00000;
const STALE_LO = 0x00000002;
const bits64 = new DataView(new ArrayBuffer(8));

class BitReader {
  pos: number;
  readonly end: number;
  constructor(
    readonly b: Uint8Array,
    startByte: number,
  ) {
    this.pos = startByte * 8;
    this.end = b.length * 8;
  }

  bit(): number {
    if (this.pos >= this.end) throw new ChunkDecodeError('chunk ends early');
    const byte = this.b[this.pos >>> 3]!;
    const bit = (byte >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return bit;
  }

  /** Up to 32 bits as an unsigned number. */
  bits(n: number): number {
    if (this.pos + n > this.end) throw new ChunkDecodeError('chunk ends early');
    let v = 0;
    while (n > 0) {
      const off = this.pos & 7;
      const avail = 8 - off;
      const take = avail < n ? avail : n;
      const part = (this.b[this.pos >>> 3]! >>> (avail - take)) & ((1 << take) - 1);
      v = v * (1 << take) + part;
      n -= take;
      this.pos += take;
    }
    return v;
  }

  uvarint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.bits(8);
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) return v;
      scale *= 128;
    }
    throw new ChunkDecodeError('varint longer than 10 bytes');
  }
}

/**
 * Appends the chunk's samples with minMs <= t <= maxMs to `out`, staleness markers counted and
 * left out (range functions skip them, as PromQL does). Throws ChunkDecodeError on a chunk that
 * ends before its sample count.
 */
export function decodeXorChunk(data: Uint8Array, out: SampleBuffer, minMs: number, maxMs: number): void {
  if (data.length < 2) throw new ChunkDecodeError('chunk shorter than its header');
  const count = (data[0]! << 8) | data[1]!;
  if (count === 0) return;
  const r = new BitReader(data, 2);
  const zz = r.uvarint();
  // Zigzag: even values are non-negative, odd ones negative.
  let t = zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
  let hi = r.bits(32);
  let lo = r.bits(32);
  let leading = 0;
  let trailing = 0;
  let delta = 0;
  const emit = (): void => {
    if (t < minMs || t > maxMs) return;
    if (hi === STALE_HI && lo === STALE_LO) {
      out.stale++;
      return;
    }
    bits64.setUint32(0, hi);
    bits64.setUint32(4, lo);
    out.push(t, bits64.getFloat64(0));
  };
  emit();
  for (let i = 1; i < count; i++) {
    if (i === 1) {
      delta = r.uvarint();
    } else {
      let dod = 0;
      if (r.bit() === 1) {
        let sz: number;
        if (r.bit() === 0) sz = 14;
        else if (r.bit() === 0) sz = 17;
        else if (r.bit() === 0) sz = 20;
        else sz = 64;
        if (sz === 64) {
          const h = r.bits(32) | 0;
          dod = h * 4294967296 + r.bits(32);
        } else {
          dod = r.bits(sz);
          if (dod > 2 ** (sz - 1)) dod -= 2 ** sz;
        }
      }
      delta += dod;
    }
    t += delta;
    if (r.bit() === 1) {
      if (r.bit() === 1) {
        leading = r.bits(5);
        let sig = r.bits(6);
        if (sig === 0) sig = 64;
        trailing = 64 - leading - sig;
      }
      const sig = 64 - leading - trailing;
      // The significant bits, shifted left by `trailing`, XORed into the 64-bit value.
      let xh = sig > 32 ? r.bits(sig - 32) : 0;
      let xl = r.bits(sig > 32 ? 32 : sig);
      if (trailing >= 32) {
        xh = trailing === 32 ? xl : (xl << (trailing - 32)) >>> 0;
        xl = 0;
      } else if (trailing > 0) {
        xh = ((xh << trailing) | (xl >>> (32 - trailing))) >>> 0;
        xl = (xl << trailing) >>> 0;
      }
      hi = (hi ^ xh) >>> 0;
      lo = (lo ^ xl) >>> 0;
    }
    emit();
  }
}
