/**
 * The clusters of a config as a fleet scheduler needs them: one entry per job (a GitHub Actions
 * matrix, an Argo Workflows fan-out). Read from the config's text and schema only: the job that
 * lists clusters has none of the credential files or checkouts the config names.
 */
import { dirname, isAbsolute, relative } from 'node:path';
import { readConfigDocument } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import { rawStateDirOf } from './state.js';

export interface FleetCluster {
  name: string;
  group?: string;
  /** The cluster's state folder, relative to the working directory when under it. */
  state?: string;
}

export function listClusters(
  configPath: string,
  opts: { group?: string; cwd?: string } = {},
): FleetCluster[] {
  const { file, data } = readConfigDocument(configPath);
  const cwd = opts.cwd ?? process.cwd();
  if (opts.group !== undefined && !data.clusters.some((c) => c.group === opts.group))
    throw new ConfigError(
      `no cluster has group "${opts.group}" (groups: ${groupsOf(data.clusters).join(', ') || 'none'})`,
      { file, field: 'clusters[].group' },
    );
  const seen = new Set<string>();
  const out: FleetCluster[] = [];
  for (const [i, c] of data.clusters.entries()) {
    if (seen.has(c.name))
      throw new ConfigError('duplicate cluster name', {
        file,
        object: `clusters[${i}] (${c.name})`,
        field: `clusters[${i}].name`,
      });
    seen.add(c.name);
    if (opts.group !== undefined && c.group !== opts.group) continue;
    const state = rawStateDirOf(dirname(file), data.state?.path, c.name);
    out.push({
      name: c.name,
      ...(c.group ? { group: c.group } : {}),
      ...(state ? { state: shortPath(state, cwd) } : {}),
    });
  }
  return out;
}

function groupsOf(clusters: { group?: string }[]): string[] {
  return [...new Set(clusters.flatMap((c) => (c.group ? [c.group] : [])))].sort();
}

function shortPath(abs: string, cwd: string): string {
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
}
