/**
 * Snapshots of public GitOps repositories (the team's shared/real-repos, see its README) that the
 * layout tests copy and edit. They are upstream data, never copied into the project: tests read
 * them from TIDEMARK_REAL_REPOS or ../shared/real-repos beside the checkout. Which folder (if any)
 * is decided once per run, as the `real-repos` tier (tiers.ts).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../core/json-schema.js';
import { runDecision, type Probe } from './tiers.js';

/** Every snapshot a suite reads: the tier runs only when all are there. */
export const REAL_REPOS = ['argocd-example-apps', 'flux2-kustomize-helm-example'] as const;
export type RealRepoName = (typeof REAL_REPOS)[number];

/** The probe (global setup only); a TIDEMARK_REAL_REPOS that lacks a snapshot is an error. */
export function probeRealRepos(): Probe {
  const fromEnv = process.env.TIDEMARK_REAL_REPOS;
  const dir = fromEnv ?? resolve(packageRoot(), '..', 'shared', 'real-repos');
  const missing = REAL_REPOS.filter((n) => !existsSync(join(dir, n)));
  if (!missing.length) return { ok: true, detail: dir };
  if (fromEnv) throw new Error(`TIDEMARK_REAL_REPOS=${fromEnv} lacks ${missing.join(', ')}`);
  return {
    ok: false,
    reason: `no ${missing.join(', ')} in ${dir} (TIDEMARK_REAL_REPOS unset)`,
  };
}

/** A snapshot's folder; only inside a suite gated on the `real-repos` tier. */
export function realRepo(name: RealRepoName): string {
  const t = runDecision().tiers['real-repos'];
  if (!t.ok || !t.detail) throw new Error('the real-repos tier is skipped in this run: gate the suite on it');
  return join(t.detail, name);
}
