/** The production wiring of PlanDeps: which source implements which config. */
import type { Logger } from '../core/logger.js';
import type { ClusterConfig } from '../config/types.js';
import { createSnapshotSource } from '../collect/snapshot/index.js';
import { createLiveKubernetesSource } from '../collect/kubernetes/live.js';
import { createOpenMetricsSource } from '../collect/openmetrics/index.js';
import { createPrometheusSource } from '../collect/prometheus/index.js';
import { buildClusterModel, usageRequestFor, podWorkload } from '../model/build/index.js';
import { readChangeHistory } from '../collect/git-history/index.js';
import { loadPolicies, resolveOverrides, evaluatePolicies } from '../policy/index.js';
import { getAnalyzers } from '../analyze/api.js';
import { renderChanges } from '../render/index.js';
import type { PlanDeps, PolicyEngine } from './run.js';
import { readOpenCostPrices } from '../collect/prices/opencost.js';
import { configPrices, openCostPrices } from './prices.js';

export function defaultDeps(): PlanDeps {
  return {
    kubernetesSource(cluster: ClusterConfig, _logger: Logger) {
      if ('snapshot' in cluster.kubernetes) return createSnapshotSource(cluster.kubernetes.snapshot);
      return createLiveKubernetesSource(cluster.kubernetes);
    },
    metricsSource(cluster: ClusterConfig, _logger: Logger) {
      if ('openmetrics' in cluster.metrics) return createOpenMetricsSource(cluster.metrics.openmetrics);
      return createPrometheusSource(cluster.metrics.prometheus);
    },
    buildModel: buildClusterModel,
    usageRequest: usageRequestFor,
    podWorkload,
    readHistory: readChangeHistory,
    async readPrices(cluster, config, model) {
      if (config.prices.from !== 'opencost') return configPrices(config.prices);
      if (!('prometheus' in cluster.metrics))
        return configPrices(
          config.prices,
          'prices.from is opencost, but this cluster reads metrics from an OpenMetrics file: config prices',
        );
      const read = await readOpenCostPrices(cluster.metrics.prometheus, model.at);
      return openCostPrices(config.prices, read, model);
    },
    policies: {
      load: loadPolicies,
      overrides: resolveOverrides,
      evaluate: evaluatePolicies,
    } as PolicyEngine,
    analyzers: getAnalyzers,
    render: renderChanges,
  };
}
