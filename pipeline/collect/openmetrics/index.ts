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
  MetricsSource,
  MetricsStats,
  OomEvent,
  RestartEvent,
  UsageBatch,
  UsageRequest,
  UsageSeries,
  UsageWindow,
} from '../types.js';
import { parseSeries, splitSampleLine } from './parse-line.js';
import { lineBatches } from './lines.js';
import { readOpenMetricsNodeUsage } from '../node-usage/openmetrics.js';
import { maxInto, trimSeries } from '../usage-series.js';
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
  const stats: MetricsStats = { queries: 0, series: 0, samples: 0, bytes: 0 };
  let latest: number | undefined;
  return {
    description: `openmetrics ${file}`,
    stats: () => ({ ...stats }),
    async latestTimestamp() {
      if (latest === undefined) latest = await scanLatest(file);
      return latest;
    },
    async *readUsage(request: UsageRequest) {
      yield await readFile(file, request, stats);
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

async function readFile(file: string, request: UsageRequest, stats: MetricsStats): Promise<UsageBatch> {
  assertFile(file);
  const w = request.window;
  const slots = Math.round((w.end - w.start) / w.step);
  const wanted = new Set(request.containers.map((c) => `${c.namespace}/${c.pod}/${c.container}`));
  // Keyed by the full label set, so two scrape jobs exporting the same container stay apart
  // and are merged with max (never summed) at the end.
  const series = new Map<string, SeriesState>();
  // The same series text repeats on every sample line; its labels are parsed once. `null`:
  // a series this request does not need.
  const byText = new Map<string, { name: string; st: SeriesState } | null>();
  const ooms: OomEvent[] = [];
  const restarts: RestartEvent[] = [];
  let lineNo = 0;
  let sawEof = false;
  stats.bytes += statSync(file).size;

  for await (const lines of lineBatches(file))
    for (const line of lines) {
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
        const id = parseSeries(s.series);
        if (id === 'invalid') throw malformed();
        known = wantedSeries(id.name, id.labels, wanted, series);
        byText.set(s.series, known);
      }
      if (known === null) continue;
      stats.samples++;
      const st = known.st;
      const name = known.name;
      if (name === CPU) {
        st.cpu ??= newCpuAccumulator(slots);
        addCpuSample(st.cpu, w, s.time, s.value);
      } else if (name === MEM) {
        st.mem ??= new Float32Array(slots).fill(NaN);
        if (addMemorySample(st.mem, w, s.time, s.value)) st.memSamples++;
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
  return { series: out.filter((s) => s.cpuMean.length > 0), ooms, restarts };
}

function wantedSeries(
  name: string,
  labels: Record<string, string>,
  wanted: Set<string>,
  series: Map<string, SeriesState>,
): { name: string; st: SeriesState } | null {
  if (name !== CPU && name !== MEM && name !== OOM && name !== RESTARTS) return null;
  const { namespace, pod, container } = labels;
  if (!namespace || !pod || !container || container === 'POD') return null;
  if (!wanted.has(`${namespace}/${pod}/${container}`)) return null;
  // Keyed by the full label set: the same set written in another label order is the same series.
  const key = `${name}|${labelKey(labels)}`;
  let st = series.get(key);
  if (!st) {
    st = { ref: { namespace, pod, container }, node: labels.node, memSamples: 0 };
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
