/**
 * The streamed remote read answer, frame by frame as it arrives (storage/remote/chunked.go):
 * each frame is a uvarint length, a big-endian CRC-32C of the data, then the data (one
 * ChunkedReadResponse). Only the frame being read is held, never the answer.
 */
import { SourceError } from '../../../core/errors.js';
import { crc32c } from './crc32c.js';

/** Prometheus' own client refuses frames above 50 MB (DefaultChunkedReadLimit). */
export const MAX_FRAME_BYTES = 50e6;

/** A remote read failure: the message names the endpoint (never a header) and what failed. */
export function remoteReadError(
  url: string,
  message: string,
  code: 'source-incomplete' | 'source-unavailable' | 'query-invalid' = 'source-incomplete',
  cause?: unknown,
): SourceError {
  return new SourceError(code, message, { object: `Prometheus remote read at ${url}` }, { cause });
}

/** Reads a uvarint at `at`: [value, bytes used], or undefined when the bytes end first. */
function uvarint(b: Uint8Array, at: number, url: string): [number, number] | undefined {
  let v = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= b.length) return undefined;
    const byte = b[at + i]!;
    v += (byte & 0x7f) * scale;
    if (byte < 0x80) return [v, i + 1];
    scale *= 128;
  }
  throw remoteReadError(url, 'a frame length is not a valid uvarint (more than 10 bytes)');
}

/**
 * Yields each frame's data after checking its length and checksum. Throws a SourceError naming
 * the URL, the frame and what is wrong: a checksum mismatch, a length over the limit, or an answer
 * that ends inside a frame (a server that failed mid-stream appends its error text, which fails
 * one of these).
 */
export async function* readFrames(
  body: AsyncIterable<Uint8Array>,
  url: string,
  maxFrameBytes = MAX_FRAME_BYTES,
): AsyncGenerator<Uint8Array> {
  let buf: Uint8Array = new Uint8Array(0);
  let pos = 0;
  // Chunks held back until the frame being read is complete, concatenated once.
  let waiting: Uint8Array[] = [];
  let waitingBytes = 0;
  let need = 0;
  let frame = 0;
  for await (const chunk of body) {
    if (buf.length - pos + waitingBytes + chunk.length < need) {
      waiting.push(chunk);
      waitingBytes += chunk.length;
      continue;
    }
    buf = Buffer.concat([buf.subarray(pos), ...waiting, chunk]);
    pos = 0;
    waiting = [];
    waitingBytes = 0;
    need = 0;
    for (;;) {
      const len = uvarint(buf, pos, url);
      if (!len) {
        need = buf.length - pos + 1;
        break;
      }
      const [size, used] = len;
      if (size > maxFrameBytes)
        throw remoteReadError(
          url,
          `frame ${frame + 1} says ${size} bytes, more than the ${maxFrameBytes}-byte limit`,
        );
      const start = pos + used + 4;
      if (buf.length < start + size) {
        need = start + size - pos;
        break;
      }
      const want =
        ((buf[pos + used]! << 24) |
          (buf[pos + used + 1]! << 16) |
          (buf[pos + used + 2]! << 8) |
          buf[pos + used + 3]!) >>>
        0;
      const data = buf.subarray(start, start + size);
      const got = crc32c(data);
      frame++;
      if (got !== want)
        throw remoteReadError(
          url,
          `frame ${frame} is corrupt (CRC-32C ${hex(got)}, the frame says ${hex(want)})`,
        );
      pos = start + size;
      yield data;
    }
  }
  if (buf.length - pos + waitingBytes > 0)
    throw remoteReadError(
      url,
      `the answer ends inside frame ${frame + 1} (${buf.length - pos + waitingBytes} bytes left over)`,
    );
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
