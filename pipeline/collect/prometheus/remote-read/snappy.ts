/**
 * Snappy block format, literals only (google/snappy format_description.txt): the remote read
 * request must be snappy-compressed, and a block made of literal elements is valid snappy that
 * every decoder accepts. The request is a few hundred bytes of matchers, so compressing it would
 * save nothing worth a dependency.
 */

/** Longest literal one element carries here: its length minus one fits the two-byte form. */
const MAX_LITERAL = 65536;

function pushUvarint(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

export function snappyLiteralBlock(data: Uint8Array): Uint8Array {
  const head: number[] = [];
  pushUvarint(head, data.length);
  const parts: Uint8Array[] = [Uint8Array.from(head)];
  for (let at = 0; at < data.length; at += MAX_LITERAL) {
    const piece = data.subarray(at, Math.min(data.length, at + MAX_LITERAL));
    const n = piece.length - 1;
    // Tag's low two bits 00 = literal; lengths up to 60 live in the tag, longer ones follow it
    // little-endian in 1 (tag 60) or 2 (tag 61) bytes.
    const tag = n < 60 ? [n << 2] : n < 256 ? [60 << 2, n] : [61 << 2, n & 0xff, n >>> 8];
    parts.push(Uint8Array.from(tag), piece);
  }
  return Buffer.concat(parts);
}
