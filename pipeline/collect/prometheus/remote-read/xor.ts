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
// A value's halves become a double through one 8-byte buffer in the platform's byte order.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const HI = LITTLE_ENDIAN ? 1 : 0;
const LO = 1 - HI;

/**
 * The 32 bits from bit `pos` on (zeros past the end). The reader keeps its position in a local
 * and reads every field through this one function: the chunk decoder is remote read's hottest
 * loop (a class with a per-bit method cost twice the time).
 */
function peek32(b: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const off = pos & 7;
  const n = b.length;
  const w =
    (((i < n ? b[i]! : 0) << 24) |
      ((i + 1 < n ? b[i + 1]! : 0) << 16) |
      ((i + 2 < n ? b[i + 2]! : 0) << 8) |
      (i + 3 < n ? b[i + 3]! : 0)) >>>
    0;
  if (off === 0) return w;
  return ((w << off) | ((i + 4 < n ? b[i + 4]! : 0) >>> (8 - off))) >>> 0;
}

/** `n` bits (1–32) at `pos` as an unsigned number. */
function take(b: Uint8Array, pos: number, n: number): number {
  return n === 32 ? peek32(b, pos) : peek32(b, pos) >>> (32 - n);
}

function early(): never {
  throw new ChunkDecodeError('chunk ends early');
}

/** A uvarint at bit `pos`: [value, bits used]. */
function uvarintAt(b: Uint8Array, pos: number, end: number): [number, number] {
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + 8 * (i + 1) > end) early();
    const byte = take(b, pos + 8 * i, 8);
    v += (byte & 0x7f) * scale;
    if (byte < 0x80) return [v, 8 * (i + 1)];
    scale *= 128;
  }
  throw new ChunkDecodeError('varint longer than 10 bytes');
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
  const end = data.length * 8;
  let pos = 16;
  const [zz, used] = uvarintAt(data, pos, end);
  pos += used;
  // Zigzag: even values are non-negative, odd ones negative.
  let t = zz % 2 === 0 ? zz / 2 : -(zz + 1) / 2;
  if (pos + 64 > end) early();
  let hi = peek32(data, pos);
  let lo = peek32(data, pos + 32);
  pos += 64;
  let leading = 0;
  let trailing = 0;
  let delta = 0;
  for (let i = 0; ; i++) {
    if (i > 0) {
      if (i === 1) {
        const [d, n] = uvarintAt(data, pos, end);
        delta = d;
        pos += n;
      } else {
        // Delta of delta: '0', or a prefix of up to four ones, then its bits.
        const w = peek32(data, pos);
        if (w >>> 31 === 0) pos += 1;
        else {
          let sz = 64;
          let prefix = 4;
          if (((w >>> 30) & 1) === 0) {
            sz = 14;
            prefix = 2;
          } else if (((w >>> 29) & 1) === 0) {
            sz = 17;
            prefix = 3;
          } else if (((w >>> 28) & 1) === 0) sz = 20;
          if (pos + prefix + sz > end) early();
          pos += prefix;
          let dod: number;
          if (sz === 64) {
            dod = (peek32(data, pos) | 0) * 4294967296 + peek32(data, pos + 32);
          } else {
            dod = take(data, pos, sz);
            if (dod > 2 ** (sz - 1)) dod -= 2 ** sz;
          }
          pos += sz;
          delta += dod;
        }
      }
      t += delta;
      // The value: '0' the same; '10' the previous window; '11' a new one, then the bits.
      if (pos + 1 > end) early();
      const w = peek32(data, pos);
      if (w >>> 31 === 0) pos += 1;
      else {
        if (((w >>> 30) & 1) === 1) {
          if (pos + 13 > end) early();
          leading = (w >>> 25) & 31;
          let sig = (w >>> 19) & 63;
          if (sig === 0) sig = 64;
          trailing = 64 - leading - sig;
          pos += 13;
        } else {
          if (pos + 2 > end) early();
          pos += 2;
        }
        const sig = 64 - leading - trailing;
        if (pos + sig > end) early();
        // The significant bits, shifted left by `trailing`, XORed into the 64-bit value.
        let xh = 0;
        let xl: number;
        if (sig > 32) {
          xh = take(data, pos, sig - 32);
          xl = peek32(data, pos + sig - 32);
        } else xl = take(data, pos, sig);
        pos += sig;
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
    }
    if (t >= minMs && t <= maxMs) {
      if (hi === STALE_HI && lo === STALE_LO) out.stale++;
      else {
        u32[HI] = hi;
        u32[LO] = lo;
        out.push(t, f64[0]!);
      }
    }
    if (i + 1 >= count) break;
  }
}
