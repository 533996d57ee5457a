/**
 * The per-cluster state folder: `<state.path>/<cluster>`. One folder per cluster, so a fleet's
 * jobs each cache, mount or restore their own and never write another cluster's (the GitHub
 * workflow saves it with actions/cache under a key per cluster, Argo Workflows and the CronJob
 * mount a volume). The incremental history keeps its checkpoints here.
 */
import { join, resolve } from 'node:path';
import type { PipelineConfig } from '../config/types.js';

export function stateDirOf(config: Pick<PipelineConfig, 'state'>, cluster: string): string | undefined {
  return config.state ? join(config.state.path, cluster) : undefined;
}

/** The same folder from the raw config (`state.path` relative to the config file's folder). */
export function rawStateDirOf(
  configDir: string,
  statePath: string | undefined,
  cluster: string,
): string | undefined {
  return statePath === undefined ? undefined : join(resolve(configDir, statePath), cluster);
}
