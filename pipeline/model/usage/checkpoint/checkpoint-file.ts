/**
 * The checkpoint file (README.md in this folder documents it byte by byte): a versioned header, a
 * SHA-256 of everything after it, and the ring of encoded days, deflated. Loading says why a
 * checkpoint cannot be used (the run then reads the whole window); writing goes to a temporary
 * file renamed over the old one, under a lock, and only when the checkpoint on disk is still the
 * one this run read, so of two runs at once one writes and the other is refused.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDeflateRaw, inflateRaw } from 'node:zlib';
import type { UsageWindow } from '../../../collect/types.js';
import { ByteReader, ByteWriter } from './bytes.js';
import type { HistoryState, WorkloadDays } from './history-folder.js';
import { readNodeSection, writeNodeSection, type NodeHistoryState } from './node-days.js';

export const CHECKPOINT_FILE = 'usage-history.tmck';
export const LOCK_FILE = 'usage-history.lock';
export const FORMAT_VERSION = 2;
/** Format 1 held no node slots (the overcommit analyzer's and the hotspot forecast's view). */
const NO_NODE_SLOTS_VERSION = 1;
const MAGIC = 'TMCK';
const PREFIX = 40;
/** A lock older than this was left by a run that died: writes take seconds. */
export const STALE_LOCK_SECONDS = 600;

export interface CheckpointHeader {
  cluster: string;
  /** The analysis window's configured length and step (seconds). */
  windowSeconds: number;
  step: number;
  demandStep: number;
  /** Unix seconds: the first day kept, and where folded usage ends (exclusive). */
  start: number;
  end: number;
  /** Fields, buckets and half-lives of the digests (day-codec.ts digestSignature). */
  digest: string;
  workloads: number;
  containers: number;
  /** Nodes with days in the node section, and the tier label the node fold classified pods by. */
  nodes: number;
  tierLabel: string | null;
  writtenAt: string;
  tidemarkVersion: string;
}

export type ColdReason =
  | 'no-checkpoint'
  | 'not-a-checkpoint'
  | 'future-version'
  | 'unknown-version'
  | 'checksum'
  | 'unreadable'
  | 'other-cluster'
  | 'window-changed'
  | 'step-changed'
  | 'digest-changed'
  | 'older-than-window'
  | 'ends-after-now'
  | 'node-slots-missing'
  | 'tier-label-changed';

export type Loaded =
  | {
      warm: true;
      header: CheckpointHeader;
      state: HistoryState;
      nodes: NodeHistoryState;
      bytes: number;
      fingerprint: string;
    }
  | {
      warm: false;
      reason: ColdReason;
      message: string;
      /** What is on disk now ('' for nothing), compared again before writing. */
      fingerprint: string;
      /** False: the file is not ours to replace (another program's, or a newer Tidemark's). */
      replaceable: boolean;
    };

export interface Expected {
  cluster: string;
  windowSeconds: number;
  window: UsageWindow;
  digest: string;
  /** The tier label the node fold classifies pods by (overcommit's), if any. */
  tierLabel?: string;
}

const inflateRawAsync = promisify(inflateRaw);

const shaAsync = async (b: Uint8Array): Promise<string> =>
  Buffer.from(await webcrypto.subtle.digest('SHA-256', b)).toString('hex');

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** fingerprintOf() the file on disk; one that is not a checkpoint is hashed a few MB at a time. */
function fingerprintOfFile(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const prefix = Buffer.alloc(PREFIX);
    const got = readSync(fd, prefix, 0, PREFIX, 0);
    return fingerprintOf(prefix.subarray(0, got), fstatSync(fd).size, () => {
      const hash = createHash('sha256');
      const buf = Buffer.allocUnsafe(4 << 20);
      for (let at = 0, n; (n = readSync(fd, buf, 0, buf.length, at)) > 0; at += n)
        hash.update(buf.subarray(0, n));
      return hash.digest('hex');
    });
  } finally {
    closeSync(fd);
  }
}

/**
 * What names the file on disk, to see before writing that no other run replaced it: a
 * checkpoint's 40-byte prefix (magic, version, the SHA-256 of everything after it) and its size
 * name its content, so it is not hashed whole again; any other file is hashed.
 */
function fingerprintOf(prefix: Uint8Array, size: number, hashWhole: () => string): string {
  if (size < PREFIX + 4 || Buffer.from(prefix.subarray(0, 4)).toString('latin1') !== MAGIC)
    return hashWhole();
  return `${Buffer.from(prefix).toString('hex')}:${size}`;
}

/** Reads and judges the checkpoint: prefetchCheckpoint then judgeCheckpoint, as a run does. */
export async function loadCheckpoint(dir: string, expect: Expected): Promise<Loaded> {
  return judgeCheckpoint(await prefetchCheckpoint(dir), dir, expect);
}

/** A checkpoint file read, hashed and inflated, not yet judged against a run's expectations. */
export type PrefetchedCheckpoint =
  | { loaded: Loaded }
  | {
      raw: Buffer;
      fingerprint: string;
      bodySha: string;
      inflated: { bytes: Uint8Array } | { err: unknown };
    };

/**
 * The file's reading, hashing and inflating (a second or two at 20,000 containers), all off the
 * main thread: started before the cluster is read, it needs nothing but the folder.
 */
export async function prefetchCheckpoint(dir: string): Promise<PrefetchedCheckpoint> {
  const raw = await readRaw(dir);
  if (!Buffer.isBuffer(raw)) return { loaded: raw };
  const body = raw.length >= PREFIX ? raw.subarray(PREFIX) : raw;
  // Inflated while it is hashed; a checksum failure discards it unread.
  const [bodySha, inflated] = await Promise.all([
    shaAsync(body),
    inflateOnPool(payloadOf(body)).then(
      (bytes) => ({ bytes }),
      (err: unknown) => ({ err }),
    ),
  ]);
  const fingerprint = fingerprintOf(raw.subarray(0, PREFIX), raw.length, () => sha(raw));
  return { raw, fingerprint, bodySha, inflated };
}

/** The prefetched file judged against what this run expects: warm, or cold and why. */
export function judgeCheckpoint(p: PrefetchedCheckpoint, dir: string, expect: Expected): Loaded {
  if ('loaded' in p) return p.loaded;
  const { raw, fingerprint, inflated } = p;
  const framed = unframe(raw, dir, fingerprint);
  if ('warm' in framed) return framed;
  if (p.bodySha !== framed.stored) return checksumFailed(dir, fingerprint);
  return interpret(raw.length, framed, inflated, dir, expect, fingerprint);
}

/**
 * A prefetch handed over once: whoever takes it holds the only reference, so the file's bytes
 * (hundreds of MB at 20,000 containers) go as soon as they are decoded, not at the end of the run.
 */
export interface CheckpointPrefetch {
  take(): Promise<PrefetchedCheckpoint>;
}

export function startCheckpointPrefetch(dir: string): CheckpointPrefetch {
  let pending: Promise<PrefetchedCheckpoint> | undefined = prefetchCheckpoint(dir);
  // Taken later; should the run fail first, its failure must not go unhandled.
  pending.catch(() => undefined);
  return {
    take() {
      const p = pending ?? prefetchCheckpoint(dir);
      pending = undefined;
      return p;
    },
  };
}

/**
 * Inflated in few chunks: each chunk goes back through the main thread, and with zlib's 16 KB
 * default the 180 MB ring took 10,000 of them (1.0 s alone, 1.5 s more while the cluster is
 * read; 0.53 s in one). The ring deflates about 1.5 to 1: four times the payload is one chunk.
 */
function inflateOnPool(payload: Uint8Array): Promise<Buffer> {
  return inflateRawAsync(payload, { chunkSize: Math.max(1 << 16, Math.min(payload.length * 4, 1 << 30)) });
}

async function readRaw(dir: string): Promise<Buffer | Loaded> {
  const file = join(dir, CHECKPOINT_FILE);
  try {
    // One read of the whole file on the pool: readFile's 512 KB steps each wait for the main
    // thread, which is busy reading the cluster meanwhile (a second at 117 MB).
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.allocUnsafe((await fh.stat()).size);
      let at = 0;
      while (at < buf.length) {
        const { bytesRead } = await fh.read(buf, at, buf.length - at, at);
        if (!bytesRead) break;
        at += bytesRead;
      }
      return at === buf.length ? buf : buf.subarray(0, at);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      return cold('no-checkpoint', `no checkpoint in ${dir}`, '', true);
    return cold('unreadable', `${file} cannot be read (${(err as NodeJS.ErrnoException).code})`, '?', false);
  }
}

/** The compressed payload inside the checksummed body (header length, header, payload length, payload). */
function payloadOf(body: Uint8Array): Uint8Array {
  try {
    const r = new ByteReader(body);
    r.bytes(r.u32());
    return r.bytes(r.u32());
  } catch {
    return new Uint8Array(0);
  }
}

interface Framed {
  body: Buffer;
  stored: string;
  payload: Uint8Array;
}

/** Magic and version, before anything is trusted; a cold result says why the file is not read. */
function unframe(raw: Buffer, dir: string, fingerprint: string): Framed | Loaded {
  const file = join(dir, CHECKPOINT_FILE);
  if (raw.length < PREFIX + 4 || raw.subarray(0, 4).toString('latin1') !== MAGIC)
    return cold(
      'not-a-checkpoint',
      `${file} is not a Tidemark checkpoint: left as it is`,
      fingerprint,
      false,
    );
  const version = raw.readUInt16LE(4);
  if (version > FORMAT_VERSION)
    return cold(
      'future-version',
      `${file} is format ${version}, written by a newer Tidemark (this one reads format ${FORMAT_VERSION}): left as it is`,
      fingerprint,
      false,
    );
  if (version === NO_NODE_SLOTS_VERSION)
    return cold(
      'node-slots-missing',
      `${file} is format ${version}, which holds no node slots (overcommit, hotspot forecast)`,
      fingerprint,
      true,
    );
  if (version !== FORMAT_VERSION)
    return cold(
      'unknown-version',
      `${file} is format ${version}, which this Tidemark does not read`,
      fingerprint,
      true,
    );
  const body = raw.subarray(PREFIX);
  return { body, stored: raw.subarray(8, PREFIX).toString('hex'), payload: payloadOf(body) };
}

function checksumFailed(dir: string, fingerprint: string): Loaded {
  const file = join(dir, CHECKPOINT_FILE);
  return cold('checksum', `${file} fails its checksum (truncated or altered)`, fingerprint, true);
}

/** The checksummed body decoded and judged against what this run expects. */
function interpret(
  size: number,
  framed: Framed,
  inflated: { bytes: Uint8Array } | { err: unknown },
  dir: string,
  expect: Expected,
  fingerprint: string,
): Loaded {
  const file = join(dir, CHECKPOINT_FILE);
  let header: CheckpointHeader;
  let state: HistoryState;
  let nodes: NodeHistoryState;
  try {
    const r = new ByteReader(framed.body);
    header = JSON.parse(Buffer.from(r.bytes(r.u32())).toString('utf8')) as CheckpointHeader;
    if ('err' in inflated) throw inflated.err;
    const payload = new ByteReader(inflated.bytes);
    state = { end: header.end, workloads: decodeRing(payload) };
    nodes = readNodeSection(payload);
    if (!payload.done) throw new Error(`${payload.remaining} bytes past the node section`);
  } catch (err) {
    return cold(
      'unreadable',
      `${file} passes its checksum but does not decode (${(err as Error).message})`,
      fingerprint,
      true,
    );
  }
  const w = expect.window;
  const why = ((): [ColdReason, string] | undefined => {
    if (header.cluster !== expect.cluster)
      return ['other-cluster', `the checkpoint is cluster ${header.cluster}'s, not ${expect.cluster}'s`];
    if (header.windowSeconds !== expect.windowSeconds)
      return [
        'window-changed',
        `the checkpoint is of a ${header.windowSeconds}s window, the config asks ${expect.windowSeconds}s`,
      ];
    if (header.step !== w.step)
      return ['step-changed', `the checkpoint's step is ${header.step}s, the config's ${w.step}s`];
    if (header.digest !== expect.digest)
      return [
        'digest-changed',
        'the checkpoint holds digests of another layout (fields, buckets or half-lives changed)',
      ];
    if ((header.tierLabel ?? undefined) !== expect.tierLabel)
      return [
        'tier-label-changed',
        `the checkpoint's node slots are by tier label ${JSON.stringify(header.tierLabel ?? null)}, the config's is ${JSON.stringify(expect.tierLabel ?? null)}`,
      ];
    if (header.end <= w.start)
      return [
        'older-than-window',
        `the checkpoint ends at ${iso(header.end)}, before the window starts (${iso(w.start)})`,
      ];
    if (header.end > w.end)
      return [
        'ends-after-now',
        `the checkpoint ends at ${iso(header.end)}, after this run's window ends (${iso(w.end)})`,
      ];
    return undefined;
  })();
  if (why) return cold(why[0], why[1], fingerprint, true);
  return { warm: true, header, state, nodes, bytes: size, fingerprint };
}

function cold(reason: ColdReason, message: string, fingerprint: string, replaceable: boolean): Loaded {
  return { warm: false, reason, message, fingerprint, replaceable };
}

const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/**
 * The checkpoint's bytes, as pieces written one after another. Deflating the ring is most of the
 * cost (2.4 s of a 177 MB ring at 20,000 containers), so it runs on libuv's pool while the run
 * goes on; joined, the deflated ring would be copied once more while the run's memory peaks.
 */
export async function encodeCheckpoint(
  header: CheckpointHeader,
  state: HistoryState,
  nodes: NodeHistoryState,
): Promise<Uint8Array[]> {
  // The ring is taken now, so what is written is the state as it was when the run committed.
  const ring = encodeRing(state, nodes);
  // zlib hands each output chunk back to the main thread before it goes on; with its 16 KB default
  // the pool stalls whenever the run is busy, so the chunk holds the whole output at once. The
  // chunks are kept as they come: the final block is a second one, and deflateRaw's callback joined
  // the two (a 112 MB copy on the main thread at 20,000 containers).
  const deflate = createDeflateRaw({
    level: DEFLATE_LEVEL,
    chunkSize: Math.max(1 << 16, ring.length + (1 << 16)),
  });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  await new Promise<void>((resolve, reject) => {
    deflate.once('end', resolve);
    deflate.once('error', reject);
    deflate.end(ring);
  });
  return framePieces(header, chunks);
}

// The ring is mostly floats: level 6 made it 1.4 % smaller than level 1 for 20 % more CPU (2.9 s
// against 2.4 s at 20,000 containers), run on a core the analysis shares.
const DEFLATE_LEVEL = 1;

function encodeRing(state: HistoryState, nodes: NodeHistoryState): Uint8Array {
  const keys = [...state.workloads.keys()].sort();
  let size = 4;
  for (const key of keys) {
    size += 4 + Buffer.byteLength(key) + 2;
    for (const rec of state.workloads.get(key)!.values()) size += 8 + rec.length;
  }
  const ring = new ByteWriter(size + (1 << 16));
  ring.u32(keys.length);
  for (const key of keys) {
    const days: WorkloadDays = state.workloads.get(key)!;
    ring.str(key);
    ring.u16(days.size);
    for (const day of [...days.keys()].sort((a, b) => a - b)) {
      const rec = days.get(day)!;
      ring.i32(day);
      ring.u32(rec.length);
      ring.bytes(rec);
    }
  }
  writeNodeSection(ring, nodes);
  return ring.written();
}

/** The file's pieces, the payload not copied: the prefix (magic, version, SHA-256), then the rest. */
function framePieces(header: CheckpointHeader, parts: Uint8Array[]): Uint8Array[] {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const headLen = Buffer.alloc(4);
  headLen.writeUInt32LE(head.length, 0);
  const payloadLen = Buffer.alloc(4);
  payloadLen.writeUInt32LE(
    parts.reduce((n, p) => n + p.length, 0),
    0,
  );
  const pieces = [headLen, head, payloadLen, ...parts];
  const hash = createHash('sha256');
  for (const p of pieces) hash.update(p);
  const prefix = Buffer.alloc(PREFIX);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt16LE(FORMAT_VERSION, 4);
  hash.digest().copy(prefix, 8);
  return [prefix, ...pieces];
}

function decodeRing(r: ByteReader): Map<string, WorkloadDays> {
  const out = new Map<string, WorkloadDays>();
  for (let n = r.u32(); n > 0; n--) {
    const key = r.str();
    const days: WorkloadDays = new Map();
    for (let d = r.u16(); d > 0; d--) {
      const day = r.i32();
      days.set(day, r.bytes(r.u32()).slice());
    }
    out.set(key, days);
  }
  return out;
}

export type WriteResult =
  | { written: true; bytes: number }
  | { written: false; reason: 'locked' | 'changed' | 'not-ours'; message: string };

/**
 * Writes the checkpoint if the file on disk is still `readFingerprint` (what this run loaded), under
 * an exclusive lock file; the new bytes go to a temporary file that is synced and renamed over.
 */
export function writeCheckpoint(
  dir: string,
  bytes: Uint8Array | readonly Uint8Array[],
  loaded: Loaded,
): WriteResult {
  const pieces = bytes instanceof Uint8Array ? [bytes] : bytes;
  const file = join(dir, CHECKPOINT_FILE);
  if (!loaded.warm && !loaded.replaceable)
    return {
      written: false,
      reason: 'not-ours',
      message: `${file} was not written by this Tidemark: ${loaded.message}`,
    };
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, LOCK_FILE);
  let fd: number;
  try {
    fd = takeLock(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return {
      written: false,
      reason: 'locked',
      message: `another run is writing ${file} (${lock} exists): this run's checkpoint is not written`,
    };
  }
  try {
    let now = '';
    try {
      now = fingerprintOfFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (now !== loaded.fingerprint)
      return {
        written: false,
        reason: 'changed',
        message: `${file} changed since this run read it (another run wrote it first): this run's checkpoint is not written`,
      };
    const tmp = join(dir, `.${CHECKPOINT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const out = openSync(tmp, 'wx', 0o600);
    let length = 0;
    try {
      for (const p of pieces) {
        for (let at = 0; at < p.length;) at += writeSync(out, p, at, p.length - at);
        length += p.length;
      }
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    renameSync(tmp, file);
    const d = openSync(dir, 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
    return { written: true, bytes: length };
  } finally {
    closeSync(fd);
    unlinkSync(lock);
  }
}

function takeLock(lock: string): number {
  try {
    return lockOnce(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A run that died while writing leaves its lock behind; it must not stop every later run.
    let age = 0;
    try {
      age = Date.now() / 1000 - statSync(lock).mtimeMs / 1000;
    } catch {
      return lockOnce(lock);
    }
    if (age < STALE_LOCK_SECONDS) throw err;
    unlinkSync(lock);
    return lockOnce(lock);
  }
}

function lockOnce(lock: string): number {
  const fd = openSync(lock, 'wx', 0o600);
  writeSync(fd, `${process.pid}\n`);
  return fd;
}
