/**
 * A tuning aid with the same decisions as tidemark-real.ts in a fraction of the time: the same
 * runPlan with the product's model builder, analyzers and policies, but the snapshot's objects
 * handed over in memory, the usage series built by the OpenMetrics source's own accumulators from
 * the same counter and gauge values the file would hold (parsing 300 MB of text is most of a real
 * run), kube-state-metrics' families parsed from a small OpenMetrics file by the real source, and
 * the change history taken from the trailers the real commit message would carry. `--path real`
 * is what the published table uses; `bench/quality/NOTES.md` records that both agree.
 */
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../pipeline/config/load.js';
import { runPlan } from '../../../pipeline/plan/run.js';
import { defaultDeps } from '../../../pipeline/plan/deps.js';
import { silentLogger } from '../../../pipeline/core/logger.js';
import { systemClock } from '../../../pipeline/core/clock.js';
import { createOpenMetricsSource } from '../../../pipeline/collect/openmetrics/index.js';
import {
  addCpuSample,
  addMemorySample,
  cpuMeans,
  newCpuAccumulator,
} from '../../../pipeline/collect/openmetrics/accumulate.js';
import { maxInto, trimSeries } from '../../../pipeline/collect/usage-series.js';
import type { KubeObject, MetricsSource, UsageSeries } from '../../../pipeline/collect/types.js';
import type { ChangeHistoryEntry } from '../../../pipeline/model/types.js';
import { commitMessage } from '../../../pipeline/publish/git/commit-message.js';
import { parseChangeTrailer } from '../../../pipeline/collect/git-history/trailers.js';
import { parseCpu, parseMemory } from '../../../pipeline/core/quantity.js';
import type { WorkloadState } from '../recommenders/types.js';
import type { RealSet } from './set.js';
import { DAY, sampleAt, type TraceVm } from './trace.js';
import {
  CONTAINER,
  NAMESPACE,
  counterText,
  cpuCounter,
  writeConfig,
  kubeStateText,
  podName,
  snapshotObjects,
  workloadName,
  type VariantSpec,
} from './workspace.js';
import type { PlanDayStats, TidemarkReal } from './tidemark-real.js';

export function tidemarkFast(
  set: RealSet,
  variant: VariantSpec,
  opts: { planEveryDays?: number } = {},
): TidemarkReal {
  const every = opts.planEveryDays ?? 2;
  const dir = mkdtempSync(join(tmpdir(), `tidemark-quality-fast-${variant.name.replace(/\W+/g, '-')}-`));
  let configFile: string | undefined;
  const counters = new Map<string, Float64Array>();
  const history: ChangeHistoryEntry[] = [];
  const stats: PlanDayStats[] = [];
  const vmOf = (s: WorkloadState): TraceVm => set.byId.get(s.w.id)!;

  return {
    name: `tidemark, ${variant.name}`,
    stats,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
    async decideDay(day, states) {
      const at = set.trace.start + day * DAY;
      if (!configFile) {
        configFile = writeConfig(dir, variant).config;
        // The config names a snapshot and a metrics file; this path hands both over in memory.
        mkdirSync(join(dir, 'cluster'), { recursive: true });
        mkdirSync(join(dir, 'gitops', 'clusters', 'real'), { recursive: true });
        writeFileSync(join(dir, 'metrics.om'), '# EOF\n');
      }
      if ((day - set.firstDay) % every !== 0) return;
      const t0 = Date.now();
      const kills = (s: WorkloadState) =>
        s.ooms.map((o) => ({ time: set.trace.start + o.time, limit: o.limit })).filter((k) => k.time < at);
      const objects = Object.values(
        snapshotObjects(
          states.map((s) => ({
            vm: vmOf(s).vm,
            requests: { cpu: s.cpu, mem: s.mem },
            kills: kills(s),
            startedAt: vmOf(s).time[0]!,
          })),
          at,
        ),
      ).flat();
      const ksmFile = join(dir, `ksm-${day}.om`);
      writeFileSync(
        ksmFile,
        kubeStateText(
          states.map((s) => ({ vm: vmOf(s).vm, kills: kills(s) })),
          at - 14 * DAY - 600,
          at,
        ) + '# EOF\n',
      );
      const traces = new Map(states.map((s) => [podName(vmOf(s).vm).pod, s]));
      const metrics: MetricsSource = {
        description: 'replay (in memory)',
        stats: () => ({ queries: 0, series: 0, samples: 0, bytes: 0 }),
        async *readUsage(request, ctx) {
          const series: UsageSeries[] = [];
          for (const c of request.containers) {
            const s = traces.get(c.pod);
            if (!s || c.container !== CONTAINER) continue;
            let counter = counters.get(s.w.id);
            if (!counter) counters.set(s.w.id, (counter = cpuCounter(vmOf(s))));
            series.push(usageSeries(vmOf(s), counter, request.window, at - 14 * DAY - 600, at));
          }
          const ksm = createOpenMetricsSource(ksmFile);
          for await (const b of ksm.readUsage(request, ctx)) yield { ...b, series };
        },
      };
      const config = loadConfig(configFile);
      config.analysis.at = at;
      const deps = {
        ...defaultDeps(),
        kubernetesSource: () => ({
          description: 'replay (in memory)',
          read: async () => ({ objects: objects as KubeObject[], origins: new WeakMap(), facts: {} }),
        }),
        metricsSource: () => metrics,
        readHistory: async (_repo: string, o: { since: number }) => history.filter((h) => h.time >= o.since),
        render: async (input: { changes: { workload: string }[] }) => ({
          edits: [],
          locations: new Map(),
          skipped: [],
          rendered: new Map(input.changes.map((c) => [c.workload, []])),
          handOverNotes: new Map(),
        }),
      };
      const run = await runPlan({
        config,
        deps,
        logger: silentLogger,
        clock: { ...systemClock, now: () => at * 1000 },
      });
      const cluster = run.clusters[0]!;
      const byWorkload = new Map(states.map((s) => [`Deployment/${NAMESPACE}/${s.w.id}`, s]));
      let changed = 0;
      for (const ch of cluster.changes) {
        const s = byWorkload.get(ch.workload);
        if (!s) continue;
        let moved = false;
        for (const f of ch.fields) {
          const q = f.quantity;
          if (!q || q.role !== 'request') continue;
          const v = q.resource === 'cpu' ? parseCpu(String(f.proposed)) : parseMemory(String(f.proposed));
          const before = q.resource === 'cpu' ? s.cpu : s.mem;
          if (v === before) continue;
          if (q.resource === 'cpu') s.cpu = v;
          else s.mem = v;
          moved = true;
        }
        if (moved) changed++;
      }
      if (cluster.changes.length)
        for (const line of commitMessage(cluster.changes, { cluster: 'real' }).split('\n')) {
          const t = parseChangeTrailer(line);
          if (t) history.push({ time: at, commit: `replay-${day}`, ...t });
        }
      const s = { accepted: 0, clamped: 0, rejected: 0, rules: {} as Record<string, number> };
      for (const d of cluster.decided) {
        if (d.analyzer !== 'rightsize') continue;
        // Tuning aid: TIDEMARK_BENCH_TRACE=vm-61 prints every plan's decision for that workload.
        if (process.env.TIDEMARK_BENCH_TRACE && d.workload.endsWith(`/${process.env.TIDEMARK_BENCH_TRACE}`))
          console.error(
            day,
            JSON.stringify({
              decision: d.decision,
              outcomes: d.outcomes,
              proposed: d.proposedFields.map((f) => [f.path.slice(-2).join('.'), f.current, f.proposed]),
              fields: d.fields.map((f) => [f.path.slice(-2).join('.'), f.proposed]),
              why: d.evidence.why,
            }),
          );
        // Tuning aid: TIDEMARK_BENCH_DUMP=<file> appends every plan's right-sizing decision as a
        // JSON line (bench/quality/real/diagnose.ts reads it).
        if (process.env.TIDEMARK_BENCH_DUMP)
          appendFileSync(
            process.env.TIDEMARK_BENCH_DUMP,
            JSON.stringify({
              day,
              workload: d.workload,
              decision: d.decision,
              outcomes: d.outcomes.map((o) => ({ rule: o.rule, decision: o.decision, field: o.field })),
              proposed: d.proposedFields.flatMap((f) =>
                f.quantity?.role === 'request'
                  ? [
                      {
                        resource: f.quantity.resource,
                        current: f.quantity.current,
                        proposed: f.quantity.proposed,
                      },
                    ]
                  : [],
              ),
              kept: d.fields.flatMap((f) =>
                f.quantity?.role === 'request'
                  ? [{ resource: f.quantity.resource, proposed: f.quantity.proposed }]
                  : [],
              ),
              cpu: d.evidence.cpu,
              memory: d.evidence.memory,
            }) + '\n',
          );
        s[d.decision]++;
        for (const o of d.outcomes) s.rules[o.rule] = (s.rules[o.rule] ?? 0) + 1;
      }
      stats.push({ day, ms: Date.now() - t0, changed, ...s });
    },
  };
}

/**
 * One VM's usage series as the OpenMetrics source computes it from the file's lines: the same
 * counter values (as written, to 3 decimals), the same gauge values, the same accumulators.
 */
function usageSeries(
  v: TraceVm,
  counter: Float64Array,
  w: { start: number; end: number; step: number },
  from: number,
  at: number,
): UsageSeries {
  const slots = Math.round((w.end - w.start) / w.step);
  const cpu = newCpuAccumulator(slots);
  const mem = new Float32Array(slots).fill(NaN);
  for (let i = sampleAt(v, from); i < v.time.length && v.time[i]! < at; i++) {
    // No ceiling: the snapshot has no Node object, so the file source checks samples against none.
    addCpuSample(cpu, w, v.time[i]!, Number(counterText(counter[i]!)), Infinity);
    addMemorySample(mem, w, v.time[i]!, Math.round(v.mem[i]!), Infinity);
  }
  const u: UsageSeries = {
    namespace: NAMESPACE,
    pod: podName(v.vm).pod,
    container: CONTAINER,
    offset: 0,
    cpuMean: new Float32Array(slots).fill(NaN),
    cpuMax: new Float32Array(slots).fill(NaN),
    memMax: new Float32Array(slots).fill(NaN),
    samples: cpu.samples,
    node: 'node-1',
  };
  maxInto(u.cpuMean, cpuMeans(cpu, w));
  maxInto(u.cpuMax, cpu.max);
  maxInto(u.memMax, mem);
  return trimSeries(u);
}

export { workloadName };
