/**
 * Streamed remote read answers made by hand, for faults a real Prometheus cannot be asked to
 * make: frames as Prometheus' ChunkedWriter writes them (uvarint length, big-endian CRC-32C,
 * data) around ChunkedReadResponse messages encoded field by field (prompb/remote.proto).
 */
import { crc32c } from '../collect/prometheus/remote-read/crc32c.js';

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** One frame around `data`; `crc` overrides the checksum (a corrupt frame). */
export function frame(data: Uint8Array, crc = crc32c(data)): Buffer {
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc);
  return Buffer.concat([Buffer.from(uvarint(data.length)), c, data]);
}

const varintField = (field: number, v: number): Buffer => Buffer.from([field << 3, ...uvarint(v)]);
const bytesField = (field: number, b: Uint8Array): Buffer =>
  Buffer.concat([Buffer.from([(field << 3) | 2, ...uvarint(b.length)]), b]);

export interface HandChunk {
  minTimeMs: number;
  maxTimeMs: number;
  /** Chunk.Encoding: 1 XOR, 2 HISTOGRAM, 3 FLOAT_HISTOGRAM. */
  type: number;
  data: Uint8Array;
}

/** A ChunkedReadResponse of one series. */
export function chunkedReadResponse(
  queryIndex: number,
  labels: Record<string, string>,
  chunks: HandChunk[],
): Buffer {
  const series = Buffer.concat([
    ...Object.entries(labels).map(([name, value]) =>
      bytesField(1, Buffer.concat([bytesField(1, Buffer.from(name)), bytesField(2, Buffer.from(value))])),
    ),
    ...chunks.map((c) =>
      bytesField(
        2,
        Buffer.concat([
          varintField(1, c.minTimeMs),
          varintField(2, c.maxTimeMs),
          varintField(3, c.type),
          bytesField(4, c.data),
        ]),
      ),
    ),
  ]);
  return Buffer.concat([bytesField(1, series), ...(queryIndex ? [varintField(2, queryIndex)] : [])]);
}
