import { createServer } from 'node:http';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { collectDefaultMetrics } from 'prom-client';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { systemClock } from '../../core/clock.js';
import { connect } from '../../collect/kubernetes/connect.js';
import { createPrometheusClient } from '../../collect/prometheus/client.js';
import { createKubeApi } from '../../guardian/kube/api.js';
import { Guardian } from '../../guardian/controller.js';
import { GUARDIAN_DEFAULTS, type GuardianSettings } from '../../guardian/settings.js';
import { candidateRefreshSeconds, prometheusNodeUsage } from '../../guardian/usage.js';
import { parseDuration } from '../../core/duration.js';
import { prometheusForecast } from '../../guardian/forecast.js';
import type { CliContext } from '../context.js';
import type { PipelineConfig, ClusterConfig } from '../../config/types.js';
import type { Logger } from '../../core/logger.js';
import { publishSettingsFrom } from '../../publish/settings.js';
import { githubPlatformFor } from '../../publish/platform/github/from-settings.js';
import { publishEmergency } from '../../publish/emergency.js';
import type { GuardianDeps } from '../../guardian/controller.js';

export function registerGuardianCommand(program: Command, ctx: CliContext): void {
  program
    .command('guardian')
    .description(
      'run the in-cluster guardian: taint sustained hotspots, resize pods in place, revert when cool, journal every step',
    )
    .requiredOption(
      '-c, --config <file>',
      'Pipeline config (its guardian: section, and the cluster it runs in)',
    )
    .option('--dry-run', 'log every action it would take, take none')
    .action(async (opts: { config: string; dryRun?: boolean }) => {
      const config = loadConfig(opts.config);
      const raw = (config.raw.guardian ?? {}) as Partial<GuardianSettings> & {
        cluster?: string;
        listen?: string;
      };
      const cluster = raw.cluster ? config.clusters.find((c) => c.name === raw.cluster) : config.clusters[0];
      if (!cluster)
        throw new ConfigError(`guardian.cluster "${raw.cluster}" is not in clusters[]`, {
          file: config.file,
          field: 'guardian.cluster',
        });
      if (!('inCluster' in cluster.kubernetes) && !('kubeconfig' in cluster.kubernetes))
        throw new ConfigError(
          'the guardian needs a live cluster (kubernetes.inCluster or kubernetes.kubeconfig)',
          {
            file: config.file,
            field: `clusters.${cluster.name}.kubernetes`,
          },
        );
      if (!('prometheus' in cluster.metrics))
        throw new ConfigError('the guardian reads node usage from Prometheus (metrics.prometheus)', {
          file: config.file,
          field: `clusters.${cluster.name}.metrics`,
        });
      const { cluster: _c, listen = ':9464', ...given } = raw;
      const settings: GuardianSettings = {
        ...GUARDIAN_DEFAULTS,
        ...given,
        brakes: { ...GUARDIAN_DEFAULTS.brakes, ...given.brakes },
        actions: { ...GUARDIAN_DEFAULTS.actions, ...given.actions },
        evictCaps: { ...GUARDIAN_DEFAULTS.evictCaps, ...given.evictCaps },
        hpa: { ...GUARDIAN_DEFAULTS.hpa, ...given.hpa },
        reclaim: { ...GUARDIAN_DEFAULTS.reclaim, ...given.reclaim },
        burst: { ...GUARDIAN_DEFAULTS.burst, ...given.burst },
        resize: {
          ...GUARDIAN_DEFAULTS.resize,
          ...given.resize,
          caps: { ...GUARDIAN_DEFAULTS.resize.caps, ...given.resize?.caps },
        },
        dryRun: opts.dryRun ?? given.dryRun ?? false,
      };
      const prom = cluster.metrics.prometheus;
      // The near-limit query reads every container's series: it has until the next one is due.
      const refresh = candidateRefreshSeconds(settings.windowSeconds, settings.intervalSeconds);
      const guardian = new Guardian({
        api: createKubeApi(await connect(cluster.kubernetes)),
        usage: prometheusNodeUsage(createPrometheusClient(prom), prom.selector, '1m', {
          recorded: settings.recordedNodeUsage,
          candidateRefreshSeconds: refresh,
          candidateClient: createPrometheusClient({
            ...prom,
            timeout: `${Math.max(refresh, prom.timeout ? parseDuration(prom.timeout) : 0)}s`,
          }),
        }),
        ...(settings.actions.forecastTaint
          ? { forecast: prometheusForecast(createPrometheusClient(prom), settings, prom.selector) }
          : {}),
        clock: systemClock,
        logger: ctx.logger.child({ component: 'guardian' }),
        settings,
        identity: process.env.POD_NAME ?? hostname(),
        publisher: emergencyPublisher(config, cluster, settings.dryRun, ctx.logger),
      });
      // Heap, external memory, GC pauses and event-loop lag beside our own series: a guardian
      // that grows or stalls is diagnosed from its /metrics, not from a heap dump taken too late.
      collectDefaultMetrics({ register: guardian.metrics.registry });
      const server = createServer((req, res) => {
        if (req.url === '/healthz') return res.end('ok\n');
        if (req.url === '/metrics')
          return void guardian.metrics.registry.metrics().then((text) => {
            res.setHeader('content-type', guardian.metrics.registry.contentType);
            res.end(text);
          });
        res.statusCode = 404;
        res.end();
      });
      const [host, port] = [
        listen.slice(0, listen.lastIndexOf(':')),
        Number(listen.slice(listen.lastIndexOf(':') + 1)),
      ];
      server.listen(port, host || undefined);
      const stop = new AbortController();
      for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => stop.abort());
      ctx.logger.info('guardian starting', { cluster: cluster.name, dryRun: settings.dryRun, listen });
      try {
        await guardian.run(stop.signal);
      } finally {
        server.close();
      }
    });
}

/**
 * With publish.github configured, lifted ceilings become emergency PRs. Credentials are resolved
 * per PR: a GitHub App installation token lasts an hour, the guardian runs for weeks.
 */
function emergencyPublisher(
  config: PipelineConfig,
  cluster: ClusterConfig,
  dryRun: boolean,
  logger: Logger,
): GuardianDeps['publisher'] {
  if (!(config.raw.publish as { github?: unknown } | undefined)?.github) {
    logger.warn('publish.github is not configured: lifted HPA ceilings get Events but no emergency PR', {});
    return undefined;
  }
  const pub = publishSettingsFrom(config);
  const log = logger.child({ component: 'guardian-git' });
  return {
    cluster: cluster.name,
    publish: async (change) => {
      const platform = await githubPlatformFor(pub, log);
      return publishEmergency({
        settings: pub.settings,
        platform,
        repo: cluster.repo,
        change,
        logger: log,
        dryRun: dryRun ? 'full' : 'none',
      });
    },
  };
}
