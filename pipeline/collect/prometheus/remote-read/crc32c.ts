/**
 * CRC-32 with the Castagnoli polynomial (what Prometheus' ChunkedWriter puts before each remote
 * read frame). Node's zlib.crc32 is the IEEE polynomial, so this is table-driven, eight bytes a
 * step: the frames of a cold read are hundreds of megabytes.
 */
const POLY = 0x82f63b78; // reversed 0x1EDC6F41

const T = new Uint32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c >>> 0;
}
for (let i = 0; i < 256; i++)
  for (let k = 1; k < 8; k++) {
    const prev = T[(k - 1) * 256 + i]!;
    T[k * 256 + i] = ((prev >>> 8) ^ T[prev & 0xff]!) >>> 0;
  }

export function crc32c(b: Uint8Array): number {
  let crc = ~0;
  let i = 0;
  const n = b.length;
  for (; i + 8 <= n; i += 8) {
    crc ^= b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    const hi = b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24);
    crc =
      T[7 * 256 + (crc & 0xff)]! ^
      T[6 * 256 + ((crc >>> 8) & 0xff)]! ^
      T[5 * 256 + ((crc >>> 16) & 0xff)]! ^
      T[4 * 256 + (crc >>> 24)]! ^
      T[3 * 256 + (hi & 0xff)]! ^
      T[2 * 256 + ((hi >>> 8) & 0xff)]! ^
      T[256 + ((hi >>> 16) & 0xff)]! ^
      T[hi >>> 24]!;
  }
  for (; i < n; i++) crc = T[(crc ^ b[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
