/**
 * The Bitbrains "rnd" trace (../shared/data/README.md) as the replay reads it: per VM, every
 * recorded sample (time, CPU cores, memory bytes, and what the VM was provisioned), plus the same
 * samples on the 5-minute grid the peers and the judge index by day. Parsing 2 M CSV lines takes
 * seconds; the parsed columns are cached outside the repository (~/.cache/tidemark/quality/),
 * keyed by the file's size and modification time.
 */
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export const DAY = 86400;
export const GRID_STEP = 300;
const KiB = 1024;

export interface TraceVm {
  /** The trace's VM number. */
  vm: number;
  /** Recorded samples, in time order. */
  time: Float64Array;
  /** Cores in use (the trace's MHz used ÷ MHz per provisioned core). */
  cpu: Float64Array;
  /** Bytes in use (the trace's "memory usage"). */
  mem: Float64Array;
  cpuProvisioned: Float64Array;
  memProvisioned: Float64Array;
}

export interface Trace {
  file: string;
  vms: TraceVm[];
  /** Midnight (UTC) of the first sample's day: grid index 0 and day 0. */
  start: number;
  /** One past the last sample. */
  end: number;
}

const COLUMNS = 5;

/** Reads the trace, from the cache when it has this file's size and mtime. */
export async function loadTrace(file: string, cacheDir = defaultCacheDir()): Promise<Trace> {
  const st = statSync(file);
  const key = `${basename(file).replace(/\.csv\.gz$/, '')}-${st.size}-${Math.floor(st.mtimeMs)}`;
  const bin = join(cacheDir, `${key}.bin`);
  const meta = join(cacheDir, `${key}.json`);
  let vms: TraceVm[];
  if (existsSync(bin) && existsSync(meta)) {
    vms = fromColumns(
      JSON.parse(readFileSync(meta, 'utf8')) as { vm: number; from: number; to: number }[],
      readFileSync(bin),
    );
  } else {
    vms = await parseCsv(file);
    mkdirSync(cacheDir, { recursive: true });
    const { index, buffer } = toColumns(vms);
    writeFileSync(bin, buffer);
    writeFileSync(meta, JSON.stringify(index));
  }
  let first = Infinity;
  let last = -Infinity;
  for (const v of vms) {
    first = Math.min(first, v.time[0]!);
    last = Math.max(last, v.time[v.time.length - 1]!);
  }
  return { file, vms, start: Math.floor(first / DAY) * DAY, end: last + 1 };
}

export function defaultCacheDir(): string {
  return join(process.env.TIDEMARK_CACHE ?? join(homedir(), '.cache', 'tidemark'), 'quality');
}

async function parseCsv(file: string): Promise<TraceVm[]> {
  const rows = new Map<number, number[]>();
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  let header = true;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (header) {
      header = false;
      if (
        line.trim() !==
        'vm,timestamp_s,cpu_used_millicores,cpu_provisioned_cores,memory_used_kib,memory_provisioned_kib'
      )
        throw new Error(`${file}: unexpected header "${line.slice(0, 120)}"`);
      continue;
    }
    if (!line) continue;
    const f = line.split(',');
    const v = f.map(Number);
    if (f.length !== 6 || v.some((x) => !Number.isFinite(x)))
      throw new Error(`${file}: line ${lineNo} is not six numbers: "${line.slice(0, 120)}"`);
    let r = rows.get(v[0]!);
    if (!r) rows.set(v[0]!, (r = []));
    // time, cores used, cores provisioned, bytes used, bytes provisioned
    r.push(v[1]!, v[2]! / 1000, v[3]!, v[4]! * KiB, v[5]! * KiB);
  }
  const out: TraceVm[] = [];
  for (const [vm, r] of [...rows].sort((a, b) => a[0] - b[0])) {
    const n = r.length / COLUMNS;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => r[a * COLUMNS]! - r[b * COLUMNS]!);
    const col = (k: number): Float64Array => Float64Array.from(order, (i) => r[i * COLUMNS + k]!);
    out.push({ vm, time: col(0), cpu: col(1), cpuProvisioned: col(2), mem: col(3), memProvisioned: col(4) });
  }
  return out;
}

function toColumns(vms: TraceVm[]): { index: { vm: number; from: number; to: number }[]; buffer: Buffer } {
  const total = vms.reduce((a, v) => a + v.time.length, 0);
  const all = new Float64Array(total * COLUMNS);
  const index: { vm: number; from: number; to: number }[] = [];
  let at = 0;
  for (const v of vms) {
    const n = v.time.length;
    [v.time, v.cpu, v.cpuProvisioned, v.mem, v.memProvisioned].forEach((c, k) => all.set(c, k * total + at));
    index.push({ vm: v.vm, from: at, to: at + n });
    at += n;
  }
  return { index, buffer: Buffer.from(all.buffer) };
}

function fromColumns(index: { vm: number; from: number; to: number }[], buf: Buffer): TraceVm[] {
  const all = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const total = all.length / COLUMNS;
  const col = (k: number, a: number, b: number): Float64Array => all.slice(k * total + a, k * total + b);
  return index.map(({ vm, from, to }) => ({
    vm,
    time: col(0, from, to),
    cpu: col(1, from, to),
    cpuProvisioned: col(2, from, to),
    mem: col(3, from, to),
    memProvisioned: col(4, from, to),
  }));
}

/** Index of the first sample at or after `t` (binary search). */
export function sampleAt(v: TraceVm, t: number): number {
  let lo = 0;
  let hi = v.time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v.time[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** What the VM was provisioned as of `t`: its latest sample before t (or its first sample). */
export function provisionedAt(v: TraceVm, t: number): { cpu: number; mem: number } {
  const i = Math.max(0, sampleAt(v, t) - 1);
  return { cpu: v.cpuProvisioned[i]!, mem: v.memProvisioned[i]! };
}
