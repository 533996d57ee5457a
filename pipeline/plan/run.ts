/**
 * The plan orchestrator: collect → model → analyze → policy → merge → render, per cluster.
 * Everything it calls comes through PlanDeps, so sources are swappable (snapshot or live API,
 * file or Prometheus) and tests can inject real-but-small parts. Nothing is written here: the
 * caller writes outputs all-or-nothing after every cluster succeeded.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import { ConfigError, SourceError } from '../core/errors.js';
import { getValidator, describeAjvError } from '../core/json-schema.js';
import type { PolicyDoc } from '../policy/types.js';
import type { ClusterConfig, PipelineConfig } from '../config/types.js';
import { assertCheckout } from '../config/load.js';
import type {
  ContainerRef,
  KubernetesInventory,
  KubernetesSource,
  MetricsSource,
  MetricsStats,
  OomEvent,
  UsageRequest,
  UsageWindow,
} from '../collect/types.js';
import type { ChangeHistoryEntry, ClusterModel, WorkloadKey } from '../model/types.js';
import { createUsageFolder, sortByPod } from '../model/usage/fold.js';
import { createNodeFolder } from '../model/node-usage/fold.js';
import { nodeUsageRequest } from '../collect/node-usage/types.js';
import { openUsageHistory, type HistoryRecord } from '../model/usage/checkpoint/usage-history.js';
import { startCheckpointPrefetch } from '../model/usage/checkpoint/checkpoint-file.js';
import { openIndexCache } from '../render/locate/index-cache.js';
import { stateDirOf } from '../fleet/state.js';
import type { Analyzer, AnalyzerId, AnalyzerResult, Skipped } from '../analyze/types.js';
import type { DecidedRecommendation } from '../policy/types.js';
import type { RenderResult } from '../render/types.js';
import type { WorkloadChange } from './types.js';
import { mergeChanges, checkOwnership } from './merge.js';
import { orderAnalyzers } from './analyzer-order.js';
import { configPrices, type ClusterPrices } from './prices.js';

export interface PolicyEngine<PolicySet = unknown> {
  load(dir: string): PolicySet;
  overrides(
    set: PolicySet,
    model: ClusterModel,
  ): (workload: WorkloadKey, analyzer: AnalyzerId) => Record<string, unknown>;
  evaluate(
    set: PolicySet,
    model: ClusterModel,
    results: Map<AnalyzerId, AnalyzerResult>,
    ctx: { now: number },
  ): { decided: DecidedRecommendation[]; skipped: Skipped[] };
}

export interface PlanDeps {
  kubernetesSource(cluster: ClusterConfig, logger: Logger): KubernetesSource;
  metricsSource(cluster: ClusterConfig, logger: Logger): MetricsSource;
  buildModel(inventory: KubernetesInventory, opts: { cluster: string; at: number }): ClusterModel;
  usageRequest(model: ClusterModel, window: UsageWindow): UsageRequest;
  podWorkload(model: ClusterModel, namespace: string, pod: string): WorkloadKey | undefined;
  readHistory(repoDir: string, opts: { since: number }): Promise<ChangeHistoryEntry[]>;
  /** Node prices (config's, or OpenCost's per node); absent: config's. */
  readPrices?(cluster: ClusterConfig, config: PipelineConfig, model: ClusterModel): Promise<ClusterPrices>;
  policies: PolicyEngine;
  analyzers(): Analyzer<unknown>[];
  render(input: {
    repoDir: string;
    repo: ClusterConfig['repo'];
    cluster: string;
    model: ClusterModel;
    changes: WorkloadChange[];
    logger: Logger;
  }): Promise<RenderResult>;
}

export interface ClusterPlanResult {
  cluster: ClusterConfig;
  model: ClusterModel;
  window: UsageWindow;
  analyzerResults: Map<AnalyzerId, AnalyzerResult>;
  decided: DecidedRecommendation[];
  skipped: Skipped[];
  changes: WorkloadChange[];
  render: RenderResult;
  stats: { kubernetes?: KubernetesInventory['stats']; metrics: MetricsStats };
  prices: ClusterPrices;
  /** Cold or warm, and why, when the config keeps state (model/usage/checkpoint/). */
  history?: HistoryRecord;
}

export interface PlanRun {
  clusters: ClusterPlanResult[];
  /** Milliseconds per stage, summed over clusters. */
  stages: Record<string, number>;
  /** The process's peak RSS (MiB) when each stage ended: the stage where it rose is the one to shrink. */
  peakRssMiB: Record<string, number>;
  startedAt: number;
}

export async function runPlan(opts: {
  config: PipelineConfig;
  deps: PlanDeps;
  logger: Logger;
  clock: Clock;
  /** Only these clusters (default: all). */
  clusters?: string[];
}): Promise<PlanRun> {
  const { config, deps, logger, clock } = opts;
  const stages: Record<string, number> = {};
  const peakRssMiB: Record<string, number> = {};
  const timed = async <T>(stage: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      stages[stage] = (stages[stage] ?? 0) + Math.round(performance.now() - t0);
      // maxRSS is KiB on Linux and macOS.
      peakRssMiB[stage] = Math.round(process.resourceUsage().maxRSS / 1024);
    }
  };

  // Validate everything a run depends on before reading any source, so bad policies or analyzer
  // args fail in a second, not after minutes of querying.
  const analyzers = orderAnalyzers(deps.analyzers());
  checkOwnership(analyzers);
  const analyzerArgs = resolveAnalyzerArgs(config, analyzers);
  const policySet = await timed('policy.load', () => deps.policies.load(config.policies));
  checkPolicySettings(policySet, analyzers);

  const selected = opts.clusters?.length
    ? config.clusters.filter((c) => opts.clusters!.includes(c.name))
    : config.clusters;
  if (opts.clusters?.length && selected.length !== opts.clusters.length) {
    const missing = opts.clusters.filter((n) => !config.clusters.some((c) => c.name === n));
    throw new ConfigError(`unknown cluster ${missing.map((m) => `"${m}"`).join(', ')}`, {
      file: config.file,
      field: 'clusters',
    });
  }

  const results: ClusterPlanResult[] = [];
  for (const cluster of selected) {
    assertCheckout(config, cluster);
    const log = logger.child({ cluster: cluster.name });
    const kube = deps.kubernetesSource(cluster, log);
    const metrics = deps.metricsSource(cluster, log);
    const stateDir = stateDirOf(config, cluster.name);
    // Read, hashed and inflated off the main thread while the cluster is read.
    const prefetched = stateDir ? startCheckpointPrefetch(stateDir) : undefined;

    const inventory = await timed('collect.kubernetes', () => kube.read({ logger: log }));
    log.info('cluster state read', { source: kube.description, objects: inventory.objects.length });

    const configured = await analysisWindow(config, metrics, clock, log);
    // With a state folder, usage is kept per day between runs and only the new interval is read.
    // Per node and tier, for overcommit and the hotspot forecast (tiers by overcommit's tierLabel).
    const tierLabel = tierLabelOf(cluster, analyzerArgs.get('overcommit'));
    // Loading is hashing and inflating on libuv's pool: the model is built meanwhile.
    const opening = stateDir
      ? openUsageHistory({
          dir: stateDir,
          cluster: cluster.name,
          windowSeconds: config.analysis.windowSeconds,
          window: configured,
          keep: (wl: WorkloadKey): boolean => model.workloads.has(wl),
          ...(tierLabel ? { tierLabel } : {}),
          logger: log,
          now: clock.now(),
          ...(prefetched ? { prefetched } : {}),
        })
      : undefined;
    // Awaited below; should the model fail first, the load's own failure must not go unhandled.
    opening?.catch(() => undefined);
    const end = configured.end;

    const model = await timed('model', () => deps.buildModel(inventory, { cluster: cluster.name, at: end }));
    model.history = await timed('collect.history', () =>
      deps.readHistory(cluster.repo.path, { since: end - 30 * 86400 }),
    );
    const history = await opening;
    // A checkpoint moves the window's start to a midnight, never its end.
    const window: UsageWindow = history?.window ?? configured;
    model.usageWindow = window;

    let unmatchedSeries: number | undefined;
    let committed: Promise<unknown> | undefined;
    await timed('collect.metrics', async () => {
      const folder = history?.folder ?? createUsageFolder(window);
      // A warm run's node fold starts from the checkpoint's node days, as the usage fold does.
      const nodeFolder = createNodeFolder(model, window, {
        ...(tierLabel ? { tierLabel } : {}),
        ...(history ? { history: history.nodes } : {}),
      });
      const request = {
        ...deps.usageRequest(model, window),
        ...(history && history.readFrom > window.start ? { from: history.readFrom } : {}),
      };
      const match = seriesMatcher(model, deps);
      for await (const batch of metrics.readUsage(request, { logger: log })) {
        for (const series of sortByPod(batch.series)) {
          const wl = match.series(series);
          if (wl) folder.add(wl, series);
          nodeFolder.add(series);
        }
        match.unrequested(batch.unrequested);
        for (const oom of batch.ooms) {
          const wl = deps.podWorkload(model, oom.namespace, oom.pod);
          if (wl) folder.addOom(wl, withLimit(model, oom));
        }
        for (const r of batch.restarts ?? []) {
          const wl = deps.podWorkload(model, r.namespace, r.pod);
          if (wl) folder.addRestart(wl, r);
        }
        history?.folder.flush();
      }
      // OOMs the cluster itself reports (lastState.terminated) count even without metrics for them.
      for (const oom of model.ooms) {
        const wl = deps.podWorkload(model, oom.namespace, oom.pod);
        if (wl) folder.addOom(wl, oom);
      }
      model.usage = folder.finish();
      model.podUsage = folder.podRecent();
      const nodes = await metrics.readNodeUsage?.(nodeUsageRequest(window, model.nodes.values()), {
        logger: log,
      });
      for (const s of nodes?.series ?? []) nodeFolder.addNode(s);
      model.nodeUsage = {
        ...nodeFolder.finish(),
        ...(nodes?.queries.length ? { queries: nodes.queries } : {}),
      };
      committed = history?.commit(log, nodeFolder.history()!);
      // Awaited before the plan is built; a failure meanwhile must not go unhandled.
      committed?.catch(() => undefined);
      unmatchedSeries = match.unmatched();
      log.info('metrics read', {
        source: metrics.description,
        workloads: model.usage.size,
        ...(unmatchedSeries !== undefined ? { unmatchedSeries, unmatchedExample: match.example } : {}),
        ...(nodes ? { nodeView: nodes.series.length, nodeViewMissing: nodes.missing.length } : {}),
      });
      if (!match.matched && request.containers.length)
        throw noSamples(cluster, window, request.containers.length, unmatchedSeries);
    });

    const prices = await timed('collect.prices', () =>
      deps.readPrices ? deps.readPrices(cluster, config, model) : configPrices(config.prices),
    );

    const overrides = deps.policies.overrides(policySet, model);
    const analyzerResults = await timed('analyze', () => {
      const out = new Map<AnalyzerId, AnalyzerResult>();
      for (const analyzer of analyzers) {
        const result = analyzer.analyze(model, analyzerArgs.get(analyzer.id), {
          now: end,
          cluster: cluster.name,
          clusterSettings: cluster.settings,
          prices: config.prices,
          upstream: out,
          overrides,
          argsOf: (id) => analyzerArgs.get(id) as Record<string, unknown> | undefined,
        });
        out.set(analyzer.id, result);
        log.info('analyzer done', {
          analyzer: analyzer.id,
          recommendations: result.recommendations.length,
          skipped: result.skipped.length,
        });
      }
      return out;
    });

    const { decided, skipped: policySkipped } = await timed('policy', () =>
      deps.policies.evaluate(policySet, model, analyzerResults, { now: end }),
    );
    const changes = await timed('merge', () => mergeChanges(cluster.name, decided, analyzers));
    const indexCache = stateDir ? openIndexCache(stateDir, log) : undefined;
    const render = await timed('render', () =>
      deps.render({
        repoDir: cluster.repo.path,
        repo: cluster.repo,
        cluster: cluster.name,
        model,
        changes,
        logger: log,
        ...(indexCache ? { indexCache } : {}),
      }),
    );
    indexCache?.save();
    await committed;
    const skipped = [
      ...[...analyzerResults.values()].flatMap((r) => r.skipped),
      ...policySkipped,
      ...render.skipped,
    ];
    results.push({
      cluster,
      model,
      window,
      analyzerResults,
      decided,
      skipped,
      changes,
      render,
      stats: {
        kubernetes: inventory.stats,
        metrics: { ...metrics.stats(), ...(unmatchedSeries !== undefined ? { unmatchedSeries } : {}) },
      },
      prices,
      ...(history ? { history: history.record() } : {}),
    });
  }
  return { clusters: results, stages, peakRssMiB, startedAt: opts.clock.now() };
}

/** The label overcommit reads tiers from: the cluster's setting first, then the analyzer's args. */
function tierLabelOf(cluster: ClusterConfig, args: unknown): string | undefined {
  const own = (cluster.settings.overcommit as { tierLabel?: unknown } | undefined)?.tierLabel;
  const given = (args as { tierLabel?: unknown } | undefined)?.tierLabel;
  return typeof own === 'string' ? own : typeof given === 'string' ? given : undefined;
}

/**
 * The window a run analyses: ending at `analysis.at`, or where a file's data ends, or now;
 * aligned to the step.
 */
export async function analysisWindow(
  config: PipelineConfig,
  metrics: MetricsSource,
  clock: Clock,
  logger: Logger,
): Promise<UsageWindow> {
  const step = config.analysis.stepSeconds;
  const atRaw =
    config.analysis.at ?? (await metrics.latestTimestamp?.({ logger })) ?? Math.floor(clock.now() / 1000);
  const end = Math.floor(atRaw / step) * step;
  return { start: end - config.analysis.windowSeconds, end, step };
}

/**
 * Matches usage to workloads and counts what matches none: series the source returned for a pod
 * of no workload, and containers the source saw but was not asked for (a file holds every pod;
 * those of pods replaced in the window still match their workload by name). The count is
 * unknown (undefined) when the source cannot see unrequested containers.
 */
function seriesMatcher(model: ClusterModel, deps: Pick<PlanDeps, 'podWorkload'>) {
  let unmatched = 0;
  let counted = false;
  let matched = 0;
  let example: string | undefined;
  const none = (ref: ContainerRef): void => {
    unmatched++;
    example ??= `${ref.namespace}/${ref.pod}/${ref.container}`;
  };
  return {
    get matched() {
      return matched;
    },
    get example() {
      return example;
    },
    series(s: ContainerRef): WorkloadKey | undefined {
      const wl = deps.podWorkload(model, s.namespace, s.pod);
      if (wl) matched++;
      else none(s);
      return wl;
    },
    unrequested(refs: ContainerRef[] | undefined): void {
      if (!refs) return;
      counted = true;
      for (const r of refs) if (!deps.podWorkload(model, r.namespace, r.pod)) none(r);
    },
    unmatched: (): number | undefined => (counted || unmatched ? unmatched : undefined),
  };
}

/**
 * A source that holds no usage for any workload in the window (an empty file, one holding only
 * `# EOF`, history that ended before the window) says nothing: exit 3, never "no recommendations".
 */
export function noSamples(
  cluster: ClusterConfig,
  w: UsageWindow,
  requested: number,
  unmatched: number | undefined,
): SourceError {
  const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const file = 'openmetrics' in cluster.metrics ? cluster.metrics.openmetrics : undefined;
  return new SourceError(
    'source-incomplete',
    `no samples in the window ${iso(w.start)} – ${iso(w.end)} for any of the ${requested} container(s) ` +
      `the cluster runs${unmatched ? ` (${unmatched} usage series belong(s) to no workload)` : ''}`,
    {
      file,
      object: `cluster ${cluster.name}`,
      field: file ? 'metrics.openmetrics' : 'metrics.prometheus',
    },
  );
}

/**
 * Metrics report an OOM kill without the limit it hit. A pod keeps its limits until it is
 * recreated, so the live pod's limit is the one in force at the kill.
 */
function withLimit(model: ClusterModel, oom: OomEvent): OomEvent {
  if (oom.limitBytes !== undefined) return oom;
  const c = model.pods.get(`${oom.namespace}/${oom.pod}`)?.containers.find((x) => x.name === oom.container);
  const limit = c?.limits.memory;
  return limit === undefined ? oom : { ...oom, limitBytes: limit };
}

/**
 * A policy's per-analyzer settings are that analyzer's arguments for matching workloads: checked
 * against the same schema, so `allowSingleton` for `allowSingletons` fails here, not silently.
 */
export function checkPolicySettings(set: unknown, analyzers: Analyzer<unknown>[]): void {
  for (const p of (set as { policies?: PolicyDoc[] }).policies ?? []) {
    for (const [id, given] of Object.entries(p.settings)) {
      const a = analyzers.find((x) => x.id === id);
      if (!a)
        throw new ConfigError(`unknown analyzer "${id}"`, {
          file: p.file,
          object: `Policy ${p.name}`,
          field: `spec.settings.${id}`,
        });
      const validate = getValidator(a.argsSchema);
      if (!validate(given)) {
        const e = describeAjvError(validate.errors![0]!);
        throw new ConfigError(e.message, {
          file: p.file,
          object: `Policy ${p.name}`,
          field: `spec.settings.${id}.${e.field}`,
        });
      }
    }
  }
}

function resolveAnalyzerArgs(
  config: PipelineConfig,
  analyzers: Analyzer<unknown>[],
): Map<AnalyzerId, unknown> {
  const out = new Map<AnalyzerId, unknown>();
  const known = new Set(analyzers.map((a) => a.id as string));
  for (const id of Object.keys(config.analyzers)) {
    if (!known.has(id))
      throw new ConfigError(`unknown analyzer "${id}"`, { file: config.file, field: `analyzers.${id}` });
  }
  for (const a of analyzers) {
    const given = config.analyzers[a.id] ?? {};
    const validate = getValidator(a.argsSchema);
    if (!validate(given)) {
      const e = validate.errors?.[0];
      throw new ConfigError(e?.message ?? 'invalid analyzer arguments', {
        file: config.file,
        object: `analyzer ${a.id}`,
        field: `analyzers.${a.id}${(e?.instancePath ?? '').replace(/\//g, '.')}`,
      });
    }
    out.set(a.id, { ...(a.defaults as object), ...given });
  }
  return out;
}
