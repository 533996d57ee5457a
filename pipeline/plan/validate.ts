/**
 * `tidemark validate`: the config, the policies, the analyzers' arguments, that every workload
 * the policies would let us change can be located in the repository, and the metrics source as
 * a plan would read it (a file parsed whole; Prometheus' preflight and which containers have
 * usage in the window): which workloads have usage and which do not, and the series that match
 * no workload. A metrics file a plan would refuse fails here the same way.
 */
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { ClusterConfig, PipelineConfig } from '../config/types.js';
import type { InvalidSamples, MetricsSource } from '../collect/types.js';
import type { ClusterModel, WorkloadKey } from '../model/types.js';
import type { PlanDeps } from './run.js';
import { orderAnalyzers } from './analyzer-order.js';
import { checkOwnership } from './merge.js';
import { analysisWindow, checkPolicySettings, noSamples } from './run.js';
import { RepoIndex } from '../render/locate/repo-index.js';
import { assertCheckout } from '../config/load.js';
import { Locator } from '../render/locate/locate.js';
import { liveEngineObjects } from '../render/locate/live-engines.js';

export interface ValidationReport {
  problems: string[];
  located: number;
  unlocated: { cluster: string; workload: string; reason: string; detail: string }[];
  excluded: number;
  metrics: MetricsReport[];
}

/** What the metrics source holds for one cluster's workloads. */
export interface MetricsReport {
  cluster: string;
  source: string;
  window: { start: number; end: number };
  /** Workloads with running pods, with and without usage in the window. */
  withUsage: WorkloadKey[];
  withoutUsage: WorkloadKey[];
  /** Usage series (one per metric and container) whose pod belongs to no workload. */
  unmatchedSeries: number;
  unmatchedExample?: string;
  invalidSamples?: InvalidSamples;
  /** Namespaces the source could not survey. */
  notSurveyed?: string[];
  /** The source cannot be surveyed (no `survey`). */
  skipped?: boolean;
}

export async function validatePipeline(
  config: PipelineConfig,
  deps: PlanDeps,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<ValidationReport> {
  const analyzers = orderAnalyzers(deps.analyzers());
  checkOwnership(analyzers);
  const set = deps.policies.load(config.policies);
  checkPolicySettings(set, analyzers);
  const report: ValidationReport = { problems: [], located: 0, unlocated: [], excluded: 0, metrics: [] };
  for (const cluster of config.clusters) {
    assertCheckout(config, cluster);
    const log = logger.child({ cluster: cluster.name });
    const inventory = await deps.kubernetesSource(cluster, log).read({ logger: log });
    const metrics = deps.metricsSource(cluster, log);
    const window = await analysisWindow(config, metrics, clock, log);
    const model = deps.buildModel(inventory, { cluster: cluster.name, at: window.end });
    const locator = new Locator(new RepoIndex(cluster.repo.path), cluster.repo, {
      live: liveEngineObjects(model),
      cluster: cluster.name,
    });
    const evaluate = deps.policies.evaluate;
    for (const w of model.workloads.values()) {
      if (w.kind === 'Job' || w.kind === 'CronJob') continue;
      // Excluded or opted-out workloads need no source: probe the policies with an empty recommendation.
      const probe = evaluate(
        set,
        model,
        new Map([
          [
            'rightsize',
            {
              recommendations: [
                {
                  id: 'probe',
                  analyzer: 'rightsize',
                  workload: w.key,
                  subject: 'probe',
                  fields: [],
                  objects: [],
                  evidence: { window: { start: 0, end: 1 }, samples: 0, ooms: 0, why: 'probe' },
                  risk: 'low',
                },
              ],
              skipped: [],
            },
          ],
        ]),
        { now: model.at },
      );
      const rule = probe.decided[0]?.outcomes[0]?.rule;
      if (rule === 'exclude' || rule === 'opt-out') {
        report.excluded++;
        continue;
      }
      const found = locator.locate({ kind: w.kind, name: w.name, namespace: w.namespace, gitops: w.gitops });
      if ('skip' in found) report.unlocated.push({ cluster: cluster.name, workload: w.key, ...found.skip });
      else report.located++;
    }
    report.metrics.push(await surveyMetrics(cluster, model, metrics, window, deps, log));
  }
  return report;
}

async function surveyMetrics(
  cluster: ClusterConfig,
  model: ClusterModel,
  metrics: MetricsSource,
  window: { start: number; end: number; step: number },
  deps: PlanDeps,
  logger: Logger,
): Promise<MetricsReport> {
  const base = { cluster: cluster.name, source: metrics.description, window };
  const running = new Set<WorkloadKey>();
  for (const p of model.pods.values()) if (p.workload) running.add(p.workload);
  if (!metrics.survey)
    return { ...base, withUsage: [], withoutUsage: [...running].sort(), unmatchedSeries: 0, skipped: true };
  const request = deps.usageRequest(model, window);
  const survey = await metrics.survey(request, { logger });
  const used = new Set<WorkloadKey>();
  for (const r of survey.withUsage) {
    const wl = deps.podWorkload(model, r.namespace, r.pod);
    if (wl) used.add(wl);
  }
  let unmatchedSeries = 0;
  let unmatchedExample: string | undefined;
  for (const r of survey.unrequested) {
    if (deps.podWorkload(model, r.namespace, r.pod)) continue;
    unmatchedSeries++;
    unmatchedExample ??= `${r.namespace}/${r.pod}/${r.container}`;
  }
  // What a plan would stop on, validate stops on too.
  if (!used.size && request.containers.length)
    throw noSamples(cluster, window, request.containers.length, unmatchedSeries);
  const invalid = metrics.stats().invalidSamples;
  return {
    ...base,
    withUsage: [...running].filter((w) => used.has(w)).sort(),
    withoutUsage: [...running].filter((w) => !used.has(w)).sort(),
    unmatchedSeries,
    ...(unmatchedExample ? { unmatchedExample } : {}),
    ...(invalid?.total ? { invalidSamples: invalid } : {}),
    ...(survey.notSurveyed ? { notSurveyed: survey.notSurveyed } : {}),
  };
}
