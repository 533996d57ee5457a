/**
 * Writes node-level history as OpenMetrics that `promtool tsdb create-blocks-from openmetrics`
 * accepts: node-exporter's `node_cpu_seconds_total` (per CPU and mode) and MemTotal/MemAvailable,
 * and the kubelet's cAdvisor series for the root cgroup (`id="/"`), beside ordinary container
 * series, so one file feeds the file source and a backfilled Prometheus alike. Families are
 * contiguous and each series' samples in time order.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface SyntheticNode {
  /** Busy cores at t, as the node sees them (everything but idle, iowait and steal). */
  busy: (t: number) => number;
  cores: number;
  /** Bytes in use at t (MemTotal − MemAvailable). */
  used: (t: number) => number;
  memTotal: number;
  /** Page cache cAdvisor's root working set counts on top of `used` (default none). */
  activeCache?: (t: number) => number;
  /** Labels of its node-exporter series (absent: no node-exporter). */
  nodeExporter?: Record<string, string>;
  /** Labels of its cAdvisor root-cgroup series, `id="/"` added (absent: none). */
  cadvisor?: Record<string, string>;
}

export interface SyntheticPodContainer {
  namespace: string;
  pod: string;
  container: string;
  node: string;
  cpu: (t: number) => number;
  mem: (t: number) => number;
}

const IOWAIT = 0.02;
const STEAL = 0.01;

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)
    .join(',');
}

export async function writeNodeOpenMetrics(
  file: string,
  h: {
    start: number;
    end: number;
    scrape: number;
    nodes: SyntheticNode[];
    containers?: SyntheticPodContainer[];
  },
): Promise<void> {
  const out = createWriteStream(file);
  let buf = '';
  const emit = async (line: string): Promise<void> => {
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  };
  const times: number[] = [];
  for (let t = h.start; t <= h.end; t += h.scrape) times.push(t);
  // A counter's value at each scrape: the rate over the scrape interval before it, summed.
  const counter = async (series: string, rate: (t: number) => number): Promise<void> => {
    let v = 0;
    for (let k = 0; k < times.length; k++) {
      if (k > 0) v += rate(times[k - 1]!) * h.scrape;
      await emit(`${series} ${v.toFixed(6)} ${times[k]}`);
    }
  };
  const gauge = async (series: string, value: (t: number) => number): Promise<void> => {
    for (const t of times) await emit(`${series} ${Math.round(value(t))} ${t}`);
  };

  await emit('# TYPE node_cpu_seconds counter');
  for (const n of h.nodes) {
    if (!n.nodeExporter) continue;
    for (let cpu = 0; cpu < n.cores; cpu++) {
      const share = (t: number) => n.busy(t) / n.cores;
      const modes: [string, (t: number) => number][] = [
        ['user', (t) => 0.7 * share(t)],
        ['system', (t) => 0.3 * share(t)],
        ['iowait', () => IOWAIT],
        ['steal', () => STEAL],
        ['idle', (t) => Math.max(0, 1 - share(t) - IOWAIT - STEAL)],
      ];
      for (const [mode, rate] of modes)
        await counter(
          `node_cpu_seconds_total{${labelText({ ...n.nodeExporter, cpu: String(cpu), mode })}}`,
          rate,
        );
    }
  }
  await emit('# TYPE node_memory_MemTotal_bytes gauge');
  for (const n of h.nodes)
    if (n.nodeExporter)
      await gauge(`node_memory_MemTotal_bytes{${labelText(n.nodeExporter)}}`, () => n.memTotal);
  await emit('# TYPE node_memory_MemAvailable_bytes gauge');
  for (const n of h.nodes)
    if (n.nodeExporter)
      await gauge(
        `node_memory_MemAvailable_bytes{${labelText(n.nodeExporter)}}`,
        (t) => n.memTotal - n.used(t),
      );

  await emit('# TYPE container_cpu_usage_seconds counter');
  for (const n of h.nodes)
    if (n.cadvisor)
      await counter(`container_cpu_usage_seconds_total{${labelText({ ...n.cadvisor, id: '/' })}}`, n.busy);
  for (const c of h.containers ?? [])
    await counter(
      `container_cpu_usage_seconds_total{${labelText({ namespace: c.namespace, pod: c.pod, container: c.container, node: c.node })}}`,
      c.cpu,
    );
  await emit('# TYPE container_memory_working_set_bytes gauge');
  for (const n of h.nodes)
    if (n.cadvisor)
      await gauge(
        `container_memory_working_set_bytes{${labelText({ ...n.cadvisor, id: '/' })}}`,
        (t) => n.used(t) + (n.activeCache?.(t) ?? 0),
      );
  for (const c of h.containers ?? [])
    await gauge(
      `container_memory_working_set_bytes{${labelText({ namespace: c.namespace, pod: c.pod, container: c.container, node: c.node })}}`,
      c.mem,
    );
  await emit('# EOF');
  out.write(buf);
  out.end();
  await once(out, 'finish');
}
