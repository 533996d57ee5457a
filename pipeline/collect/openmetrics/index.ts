/**
 * The offline metrics source: an OpenMetrics file as `promtool tsdb create-blocks-from openmetrics`
 * accepts it, with cAdvisor's and kube-state-metrics' real names and labels. Produces exactly the
 * estimator input (collect/types.ts) the Prometheus source produces.
 *
 * Memory: the file is not ordered by pod, so every requested container's interval arrays are
 * held until the end (about 48 KB per container for 14 days at 5 minutes). That suits the demo
 * and bug-report snapshots; large clusters use the Prometheus source, which streams by batch.
 */
import { existsSync, statSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import type {
  ContainerRef,
  InvalidSamples,
  MetricsSource,
  MetricsStats,
  OomEvent,
  SampleCeiling,
  RestartEvent,
  UsageBatch,
  UsageRequest,
  UsageSeries,
  UsageWindow,
} from '../types.js';
import { parseSeries, splitSampleLine } from './parse-line.js';
import { lineBatches, ownString } from './lines.js';
import { readOpenMetricsNodeUsage } from '../node-usage/openmetrics.js';
import { maxInto, trimSeries } from '../usage-series.js';
import {
  addInvalid,
  ceilingIndex,
  cpuCeiling,
  describeCeiling,
  describeInvalid,
  newInvalidSamples,
  recordInvalid,
  warnInvalid,
  type CeilingIndex,
  type InvalidReason,
} from '../sample-check.js';
import {
  addCpuSample,
  addMemorySample,
  cpuMeans,
  newCpuAccumulator,
  type CpuAccumulator,
} from './accumulate.js';

const CPU = 'container_cpu_usage_seconds_total';
const MEM = 'container_memory_working_set_bytes';
const OOM = 'kube_pod_container_status_last_terminated_reason';
const RESTARTS = 'kube_pod_container_status_restarts_total';

interface SeriesState {
  ref: { namespace: string; pod: string; container: string };
  node?: string;
  ceiling: SampleCeiling;
  cpu?: CpuAccumulator;
  mem?: Float32Array;
  memSamples: number;
  /** Last value of the OOM gauge / restart counter, for transitions. */
  lastOom?: number;
  lastRestarts?: number;
  /** The OOM gauge's series with reason="OOMKilled" (other reasons are ignored). */
  oomKilled?: boolean;
}

export function createOpenMetricsSource(file: string): MetricsSource {
  const stats: MetricsStats & { invalidSamples: InvalidSamples } = {
    queries: 0,
    series: 0,
    samples: 0,
    bytes: 0,
    invalidSamples: newInvalidSamples(),
  };
  let latest: number | undefined;
  const description = `openmetrics ${file}`;
  return {
    description,
    stats: () => ({ ...stats, invalidSamples: { ...stats.invalidSamples } }),
    async latestTimestamp() {
      if (latest === undefined) latest = await scanLatest(file);
      return latest;
    },
    async *readUsage(request: UsageRequest, ctx) {
      const invalid = newInvalidSamples();
      const batch = await readFile(file, request, stats, invalid);
      addInvalid(stats.invalidSamples, invalid);
      warnInvalid(ctx.logger, description, invalid);
      yield batch;
    },
    // The whole file, parsed and checked exactly as a plan reads it.
    async survey(request: UsageRequest, ctx) {
      const invalid = newInvalidSamples();
      const batch = await readFile(file, request, stats, invalid);
      addInvalid(stats.invalidSamples, invalid);
      warnInvalid(ctx.logger, description, invalid);
      return {
        withUsage: batch.series.map(({ namespace, pod, container }) => ({ namespace, pod, container })),
        unrequested: batch.unrequested ?? [],
      };
    },
    readNodeUsage: (request) => readOpenMetricsNodeUsage(file, request, stats),
  };
}

async function scanLatest(file: string): Promise<number | undefined> {
  assertFile(file);
  let max: number | undefined;
  for await (const lines of lineBatches(file))
    for (const line of lines) {
      if (!line || line.charCodeAt(0) === 35 /* # */) continue;
      const t = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(t) && (max === undefined || t > max)) max = t;
    }
  return max;
}

function assertFile(file: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError('metrics file not found', { file });
}

async function readFile(
  file: string,
  request: UsageRequest,
  stats: MetricsStats,
  invalid: InvalidSamples,
): Promise<UsageBatch> {
  assertFile(file);
  const w = request.window;
  const slots = Math.round((w.end - w.start) / w.step);
  const wanted = new Set(request.containers.map((c) => `${c.namespace}/${c.pod}/${c.container}`));
  const ceilings = ceilingIndex(request);
  // Keyed by the full label set, so two scrape jobs exporting the same container stay apart
  // and are merged with max (never summed) at the end.
  const series = new Map<string, SeriesState>();
  // The same series text repeats on every sample line; its labels are parsed once. `null`:
  // a series this request does not need; a Stranger: a container's usage the request does not
  // name, which the caller matches to a workload or counts as matching none.
  const byText = new Map<string, { name: string; st: SeriesState } | Stranger | null>();
  const strangers = new Map<string, Stranger>();
  const ooms: OomEvent[] = [];
  const restarts: RestartEvent[] = [];
  let lineNo = 0;
  let sawEof = false;
  let line = '';
  const drop = (reason: InvalidReason, st: SeriesState, cpu: boolean): void =>
    recordInvalid(
      invalid,
      reason,
      () =>
        `${file}: line ${lineNo}: ${line.slice(0, 200)}: ${cpu && reason === 'aboveNode' ? 'the rate from the previous sample is ' : ''}${describeInvalid(reason, describeCeiling(st.ceiling, cpu))}`,
    );
  stats.bytes += statSync(file).size;

  for await (const lines of lineBatches(file))
    for (line of lines) {
      lineNo++;
      if (line === '# EOF') {
        sawEof = true;
        continue;
      }
      if (sawEof && line.trim())
        throw new InputError('content after # EOF', { file, object: `line ${lineNo}` });
      const s = splitSampleLine(line);
      if (s === undefined) continue;
      const malformed = (): InputError =>
        new InputError(`malformed OpenMetrics sample: ${line.slice(0, 120)}`, {
          file,
          object: `line ${lineNo}`,
        });
      if (s === 'invalid') throw malformed();
      let known = byText.get(s.series);
      if (known === undefined) {
        // Parsed from a copy: every label value kept below is a slice of it, not of the chunk.
        const text = ownString(s.series);
        const id = parseSeries(text);
        if (id === 'invalid') throw malformed();
        known = wantedSeries(id.name, id.labels, wanted, series, ceilings) ?? stranger(id, strangers);
        byText.set(text, known);
      }
      if (known === null) continue;
      if ('inWindow' in known) {
        if (!known.inWindow && s.time >= w.start && s.time < w.end) known.inWindow = true;
        continue;
      }
      stats.samples++;
      const st = known.st;
      const name = known.name;
      if (name === CPU) {
        st.cpu ??= newCpuAccumulator(slots);
        const bad = addCpuSample(st.cpu, w, s.time, s.value, cpuCeiling(st.ceiling));
        if (bad) drop(bad, st, true);
      } else if (name === MEM) {
        st.mem ??= new Float32Array(slots).fill(NaN);
        const r = addMemorySample(st.mem, w, s.time, s.value, st.ceiling.memoryBytes);
        if (r === 'ok') st.memSamples++;
        else if (r !== 'outside') drop(r, st, false);
      } else if (name === OOM) {
        if (!st.oomKilled || !Number.isFinite(s.value)) continue;
        if (
          s.value >= 1 &&
          (st.lastOom === undefined || st.lastOom < 1) &&
          s.time >= w.start &&
          s.time < w.end
        ) {
          ooms.push({ ...st.ref, time: s.time, source: 'metrics' });
        }
        st.lastOom = s.value;
      } else {
        if (!Number.isFinite(s.value)) continue;
        if (
          st.lastRestarts !== undefined &&
          s.value > st.lastRestarts &&
          s.time >= w.start &&
          s.time < w.end
        ) {
          restarts.push({ ...st.ref, time: s.time, count: s.value - st.lastRestarts });
        }
        st.lastRestarts = s.value;
      }
    }
  if (lineNo > 0 && !sawEof)
    throw new InputError('the file does not end with # EOF (truncated?)', { file, object: `line ${lineNo}` });

  // Merge series per container instance: duplicates combine with max.
  const merged = new Map<string, UsageSeries>();
  for (const st of series.values()) {
    if (!st.cpu && !st.mem) continue;
    const id = `${st.ref.namespace}/${st.ref.pod}/${st.ref.container}`;
    let u = merged.get(id);
    if (!u) {
      u = {
        ...st.ref,
        offset: 0,
        cpuMean: new Float32Array(slots).fill(NaN),
        cpuMax: new Float32Array(slots).fill(NaN),
        memMax: new Float32Array(slots).fill(NaN),
        samples: 0,
        node: st.node,
      };
      merged.set(id, u);
    }
    if (st.cpu) {
      maxInto(u.cpuMean, cpuMeans(st.cpu, w));
      maxInto(u.cpuMax, st.cpu.max);
      u.samples = Math.max(u.samples, st.cpu.samples);
    }
    if (st.mem) maxInto(u.memMax, st.mem);
  }
  const out = [...merged.values()].map(trimSeries);
  stats.series += series.size;
  return {
    series: out.filter((s) => s.cpuMean.length > 0),
    ooms,
    restarts,
    unrequested: [...strangers.values()].filter((x) => x.inWindow).map((x) => x.ref),
  };
}

interface Stranger {
  ref: ContainerRef;
  /** Whether it has a sample inside the window. */
  inWindow: boolean;
}

/** A usage series of a container the request does not name, once per metric and container. */
function stranger(
  id: { name: string; labels: Record<string, string> },
  all: Map<string, Stranger>,
): Stranger | null {
  if (id.name !== CPU && id.name !== MEM) return null;
  const { namespace, pod, container } = id.labels;
  if (!namespace || !pod || !container || container === 'POD') return null;
  const key = `${id.name}|${namespace}/${pod}/${container}`;
  let s = all.get(key);
  if (!s) all.set(key, (s = { ref: { namespace, pod, container }, inWindow: false }));
  return s;
}

function wantedSeries(
  name: string,
  labels: Record<string, string>,
  wanted: Set<string>,
  series: Map<string, SeriesState>,
  ceilings: CeilingIndex,
): { name: string; st: SeriesState } | null {
  if (name !== CPU && name !== MEM && name !== OOM && name !== RESTARTS) return null;
  const { namespace, pod, container } = labels;
  if (!namespace || !pod || !container || container === 'POD') return null;
  if (!wanted.has(`${namespace}/${pod}/${container}`)) return null;
  // Keyed by the full label set: the same set written in another label order is the same series.
  const key = `${name}|${labelKey(labels)}`;
  let st = series.get(key);
  if (!st) {
    st = {
      ref: { namespace, pod, container },
      node: labels.node,
      ceiling: ceilings.of(namespace, pod, container),
      memSamples: 0,
    };
    if (name === OOM) st.oomKilled = labels.reason === 'OOMKilled';
    series.set(key, st);
  }
  return { name, st };
}

function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

export type { UsageWindow };
