/**
 * Writes cAdvisor / kube-state-metrics history as OpenMetrics that `promtool tsdb
 * create-blocks-from openmetrics` accepts (families contiguous, samples in time order, seconds,
 * `# EOF`), so one file feeds both the file source and a backfilled Prometheus.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface SyntheticContainer {
  namespace: string;
  pod: string;
  container: string;
  /** Cores at time t. */
  cpu: (t: number) => number;
  /** Bytes at time t. */
  mem: (t: number) => number;
  /** Counter resets (container restarts) at these times. */
  resets?: number[];
  /** No samples in [from, to). */
  gaps?: [number, number][];
  /** Also exported by a second scrape job (a duplicate series), with these values scaled. */
  duplicate?: number;
  /** OOM kills at these times (the KSM gauge turns 1, restarts count up). */
  ooms?: number[];
  /**
   * Seconds (to the millisecond) each cAdvisor sample's timestamp lands off its nominal scrape
   * time, as real scrapes drift: the values still follow the nominal times.
   */
  jitter?: (t: number) => number;
}

export interface SyntheticHistory {
  start: number;
  end: number;
  scrape: number;
  containers: SyntheticContainer[];
}

function inGap(c: SyntheticContainer, t: number): boolean {
  return (c.gaps ?? []).some(([a, b]) => t >= a && t < b);
}

/** The sample's timestamp as written: nominal, or jittered to the millisecond. */
function stamp(c: SyntheticContainer, t: number): string {
  return c.jitter ? (t + Math.round(c.jitter(t) * 1000) / 1000).toFixed(3) : String(t);
}

function labels(c: SyntheticContainer, extra = ''): string {
  return `namespace="${c.namespace}",pod="${c.pod}",container="${c.container}"${extra}`;
}

export async function writeSyntheticOpenMetrics(
  file: string,
  h: SyntheticHistory,
): Promise<{ samples: number }> {
  const out = createWriteStream(file);
  let buf = '';
  let samples = 0;
  const emit = async (line: string): Promise<void> => {
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  };
  const times: number[] = [];
  for (let t = h.start; t <= h.end; t += h.scrape) times.push(t);

  await emit(
    '# HELP container_cpu_usage_seconds Cumulative cpu time consumed by the container in core-seconds',
  );
  await emit('# TYPE container_cpu_usage_seconds counter');
  for (const c of h.containers) {
    for (const [job, scale] of [['cadvisor', 1], ...(c.duplicate ? [['cadvisor-2', c.duplicate]] : [])] as [
      string,
      number,
    ][]) {
      let counter = 0;
      let prev = NaN;
      const resets = [...(c.resets ?? [])].sort((a, b) => a - b);
      for (const t of times) {
        if (!Number.isNaN(prev)) counter += c.cpu(prev) * scale * (t - prev);
        prev = t;
        while (resets.length && resets[0]! <= t) {
          resets.shift();
          counter = 0;
        }
        if (inGap(c, t)) continue;
        await emit(
          `container_cpu_usage_seconds_total{${labels(c, `,job="${job}"`)}} ${counter.toFixed(6)} ${stamp(c, t)}`,
        );
        samples++;
      }
    }
  }
  await emit('# TYPE container_memory_working_set_bytes gauge');
  for (const c of h.containers) {
    for (const t of times) {
      if (inGap(c, t)) continue;
      await emit(
        `container_memory_working_set_bytes{${labels(c, ',job="cadvisor"')}} ${Math.round(c.mem(t))} ${stamp(c, t)}`,
      );
      samples++;
    }
  }
  const oomed = h.containers.filter((c) => c.ooms?.length);
  if (oomed.length) {
    await emit('# TYPE kube_pod_container_status_last_terminated_reason gauge');
    for (const c of oomed) {
      const kills = [...c.ooms!].sort((a, b) => a - b);
      for (const t of times) {
        const v = kills.some((k) => k <= t) ? 1 : 0;
        await emit(
          `kube_pod_container_status_last_terminated_reason{${labels(c, ',reason="OOMKilled"')}} ${v} ${t}`,
        );
        samples++;
      }
    }
    await emit('# TYPE kube_pod_container_status_restarts counter');
    for (const c of oomed) {
      for (const t of times) {
        const v = c.ooms!.filter((k) => k <= t).length;
        await emit(`kube_pod_container_status_restarts_total{${labels(c)}} ${v} ${t}`);
        samples++;
      }
    }
  }
  await emit('# EOF');
  out.end(buf);
  await once(out, 'finish');
  return { samples };
}
