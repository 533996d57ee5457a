/**
 * `tidemark validate`: the config, the policies, the analyzers' arguments, and that every
 * workload the policies would let us change can be located in the repository. Reads the cluster
 * source (snapshot or API) but no metrics.
 */
import type { Logger } from '../core/logger.js';
import type { PipelineConfig } from '../config/types.js';
import type { PlanDeps } from './run.js';
import { orderAnalyzers } from './analyzer-order.js';
import { checkOwnership } from './merge.js';
import { checkPolicySettings } from './run.js';
import { RepoIndex } from '../render/locate/repo-index.js';
import { assertCheckout } from '../config/load.js';
import { Locator } from '../render/locate/locate.js';
import { liveEngineObjects } from '../render/locate/live-engines.js';

export interface ValidationReport {
  problems: string[];
  located: number;
  unlocated: { cluster: string; workload: string; reason: string; detail: string }[];
  excluded: number;
}

export async function validatePipeline(
  config: PipelineConfig,
  deps: PlanDeps,
  logger: Logger,
): Promise<ValidationReport> {
  const analyzers = orderAnalyzers(deps.analyzers());
  checkOwnership(analyzers);
  const set = deps.policies.load(config.policies);
  checkPolicySettings(set, analyzers);
  const report: ValidationReport = { problems: [], located: 0, unlocated: [], excluded: 0 };
  for (const cluster of config.clusters) {
    assertCheckout(config, cluster);
    const inventory = await deps.kubernetesSource(cluster, logger).read({ logger });
    const model = deps.buildModel(inventory, { cluster: cluster.name, at: Math.floor(Date.now() / 1000) });
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
  }
  return report;
}
