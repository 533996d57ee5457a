/**
 * Node usage from an OpenMetrics file (the offline source): the same figures the Prometheus
 * queries compute (prometheus.ts), from node-exporter's and cAdvisor's raw samples. A second pass
 * over the file, reading only the node families: the first pass (openmetrics/index.ts) keeps
 * containers it was asked for and skips everything else.
 *
 * Series are grouped by their labels without `cpu` and `mode` (one group per node and scrape job):
 * a group's busy modes are summed, and a node's groups combine with max, as on the server.
 */
import { existsSync, statSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import type { MetricsStats, UsageWindow } from '../types.js';
import { lineBatches, ownString } from '../openmetrics/lines.js';
import { parseSeries, splitSampleLine } from '../openmetrics/parse-line.js';
import { addCpuSample, cpuMeans, newCpuAccumulator, type CpuAccumulator } from '../openmetrics/accumulate.js';
import { NO_CEILING } from '../sample-check.js';
import { nodeMatcher } from './match.js';
import type { NodeUsageKind, NodeUsageRequest, NodeUsageResult, NodeUsageSeries } from './types.js';

const NODE_CPU = 'node_cpu_seconds_total';
const MEM_TOTAL = 'node_memory_MemTotal_bytes';
const MEM_AVAILABLE = 'node_memory_MemAvailable_bytes';
const CADVISOR_CPU = 'container_cpu_usage_seconds_total';
const CADVISOR_MEM = 'container_memory_working_set_bytes';
const IDLE_MODES = new Set(['idle', 'iowait', 'steal']);

interface Group {
  node: string;
  kind: NodeUsageKind;
  /** One counter per CPU-mode series (node-exporter) or one (cAdvisor). */
  cpu: CpuAccumulator[];
  /** node-exporter: per slot the lowest MemAvailable and the highest MemTotal; cAdvisor: the highest working set. */
  low?: Float64Array;
  total?: Float64Array;
  high?: Float64Array;
}

type Known =
  | { family: 'cpu'; group: Group; acc: CpuAccumulator }
  | { family: 'available' | 'total' | 'working-set'; group: Group }
  | null;

function groupKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .filter((k) => k !== 'cpu' && k !== 'mode')
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function slotOf(w: UsageWindow, t: number): number {
  return t >= w.start && t < w.end ? Math.floor((t - w.start) / w.step) : -1;
}

export async function readOpenMetricsNodeUsage(
  file: string,
  request: NodeUsageRequest,
  stats?: MetricsStats,
): Promise<NodeUsageResult> {
  if (!existsSync(file) || !statSync(file).isFile()) throw new InputError('metrics file not found', { file });
  const w = request.window;
  const slots = Math.round((w.end - w.start) / w.step);
  const match = nodeMatcher(request.nodes);
  const groups = new Map<string, Group>();
  const byText = new Map<string, Known>();
  const group = (kind: NodeUsageKind, node: string, key: string): Group => {
    const id = `${kind}|${key}`;
    let g = groups.get(id);
    if (!g) {
      g = { node, kind, cpu: [] };
      groups.set(id, g);
    }
    return g;
  };
  let lineNo = 0;
  for await (const lines of lineBatches(file))
    for (const line of lines) {
      lineNo++;
      // Only node families and cAdvisor's root cgroup: a cheap prefix test before any parsing.
      if (!line.startsWith('node_') && !(line.startsWith('container_') && line.includes('id="/"'))) continue;
      const s = splitSampleLine(line);
      if (s === undefined) continue;
      if (s === 'invalid')
        throw new InputError(`malformed OpenMetrics sample: ${line.slice(0, 120)}`, {
          file,
          object: `line ${lineNo}`,
        });
      let known = byText.get(s.series);
      if (known === undefined) {
        known = null;
        // Parsed from a copy: every label value kept below is a slice of it, not of the chunk.
        const text = ownString(s.series);
        const id = parseSeries(text);
        if (id === 'invalid')
          throw new InputError(`malformed OpenMetrics sample: ${line.slice(0, 120)}`, {
            file,
            object: `line ${lineNo}`,
          });
        const node = match(id.labels);
        const key = groupKey(id.labels);
        if (node && id.name === NODE_CPU && !IDLE_MODES.has(id.labels.mode ?? '')) {
          const g = group('node-exporter', node, key);
          const acc = newCpuAccumulator(slots);
          g.cpu.push(acc);
          known = { family: 'cpu', group: g, acc };
        } else if (node && (id.name === MEM_AVAILABLE || id.name === MEM_TOTAL))
          known = {
            family: id.name === MEM_TOTAL ? 'total' : 'available',
            group: group('node-exporter', node, key),
          };
        else if (node && id.labels.id === '/' && id.name === CADVISOR_CPU) {
          const g = group('cadvisor', node, key);
          const acc = newCpuAccumulator(slots);
          g.cpu.push(acc);
          known = { family: 'cpu', group: g, acc };
        } else if (node && id.labels.id === '/' && id.name === CADVISOR_MEM)
          known = { family: 'working-set', group: group('cadvisor', node, key) };
        byText.set(text, known);
      }
      if (!known) continue;
      if (stats) stats.samples++;
      if (known.family === 'cpu') {
        // No node capacity here: a corrupt counter is the container pass's to report.
        addCpuSample(known.acc, w, s.time, s.value, NO_CEILING);
        continue;
      }
      const i = slotOf(w, s.time);
      if (i < 0 || !Number.isFinite(s.value) || s.value < 0) continue;
      const g = known.group;
      const field = known.family === 'available' ? 'low' : known.family === 'total' ? 'total' : 'high';
      // Float64 until the subtraction: MemTotal − MemAvailable in float32 loses hundreds of bytes.
      const arr = (g[field] ??= new Float64Array(slots).fill(NaN));
      const cur = arr[i]!;
      if (Number.isNaN(cur) || (field === 'low' ? s.value < cur : s.value > cur)) arr[i] = s.value;
    }

  const perKind = new Map<string, NodeUsageSeries>();
  for (const g of groups.values()) {
    const cpu = new Float32Array(slots).fill(NaN);
    for (const acc of g.cpu) {
      const means = cpuMeans(acc, w);
      for (let i = 0; i < slots; i++) {
        const v = means[i]!;
        if (Number.isNaN(v)) continue;
        cpu[i] = Number.isNaN(cpu[i]!) ? v : cpu[i]! + v;
      }
    }
    const memory = new Float32Array(slots).fill(NaN);
    for (let i = 0; i < slots; i++) {
      const v =
        g.kind === 'node-exporter'
          ? g.total && g.low && g.total[i]! >= 0 && g.low[i]! >= 0
            ? g.total[i]! - g.low[i]!
            : NaN
          : (g.high?.[i] ?? NaN);
      memory[i] = v;
    }
    const id = `${g.kind}|${g.node}`;
    const have = perKind.get(id);
    if (!have) {
      perKind.set(id, { node: g.node, kind: g.kind, cpu, memory });
      continue;
    }
    for (let i = 0; i < slots; i++) {
      if (!(have.cpu[i]! >= cpu[i]!)) have.cpu[i] = Number.isNaN(cpu[i]!) ? have.cpu[i]! : cpu[i]!;
      if (!(have.memory[i]! >= memory[i]!))
        have.memory[i] = Number.isNaN(memory[i]!) ? have.memory[i]! : memory[i]!;
    }
  }
  // Per node, node-exporter when it has any figure, else cAdvisor's root cgroup.
  const series: NodeUsageSeries[] = [];
  const missing: string[] = [];
  const hasData = (s?: NodeUsageSeries) => !!s && (s.cpu.some((v) => v >= 0) || s.memory.some((v) => v >= 0));
  for (const n of request.nodes) {
    const ne = perKind.get(`node-exporter|${n.name}`);
    const ca = perKind.get(`cadvisor|${n.name}`);
    if (hasData(ne)) series.push(ne!);
    else if (hasData(ca)) series.push(ca!);
    else missing.push(n.name);
  }
  series.sort((a, b) => a.node.localeCompare(b.node));
  return { series, queries: [], missing: missing.sort() };
}
