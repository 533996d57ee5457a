/**
 * Jest global setup, in this order:
 * 1. The run's temp folder: TMPDIR points into one `tidemark-test-run-*` folder that global
 *    teardown removes, so nothing a suite, a helper or a child process puts in the temp dir
 *    outlives the run (test-environment.ts narrows it to a folder per suite).
 * 2. The tiers, decided once for the whole run (tiers.ts): suites read the decision and never
 *    probe again. A required tier that cannot run fails the run here, before any suite starts.
 * 3. With the `kube` tier, one real kube-apiserver for the whole run (by control-plane/cli.ts in
 *    a child process), seeded with the demo cluster, with the pipeline's read-only role
 *    (deploy/rbac) bound to the user `reader`; suites reach it through sharedCluster(). Suites
 *    that break a control plane (restarts) start their own.
 *
 * Global setup cannot import the project's ESM TypeScript directly (Jest loads this file through
 * Node's own resolver), so project modules come in through tsx's tsImport.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type * as TiersModule from './tiers.js';
import type * as TierProbesModule from './tier-probes.js';
import type * as RunTempModule from './run-temp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default async function globalSetup(): Promise<void> {
  // Loaded before TMPDIR moves, so tsx keeps its compile cache where it was.
  const tiers = (await tsImport('./tiers.ts', import.meta.url)) as typeof TiersModule;
  const probes = (await tsImport('./tier-probes.ts', import.meta.url)) as typeof TierProbesModule;
  const temp = (await tsImport('./run-temp.ts', import.meta.url)) as typeof RunTempModule;

  const runTmp = temp.startRunTemp();
  try {
    const decision = tiers.decideTiers(probes.probeTier, {
      skip: process.env.TIDEMARK_SKIP_TIERS,
      require: process.env.TIDEMARK_REQUIRE_TIERS,
    });
    process.env[tiers.TIER_DECISION_ENV] = tiers.encodeDecision(decision);
    if (tiers.missingRequired(decision).length) throw new Error(tiers.missingRequiredMessage(decision));
    // Pinned, so a suite that starts its own control plane uses the binaries decided here.
    if (decision.tiers.kube.ok) process.env.TIDEMARK_K8S_BIN = decision.tiers.kube.detail;
    if (decision.tiers.schemas.ok) process.env.TIDEMARK_REFERENCE_SCHEMAS = decision.tiers.schemas.detail;
    if (decision.tiers.helm.ok) process.env.TIDEMARK_HELM_BIN = decision.tiers.helm.detail;
    if (decision.tiers['real-repos'].ok)
      process.env.TIDEMARK_REAL_REPOS = decision.tiers['real-repos'].detail;
    if (decision.tiers.browser.ok) process.env.TIDEMARK_CHROMIUM = decision.tiers.browser.detail;
    if (decision.tiers.kube.ok) await startSharedCluster(runTmp);
  } catch (err) {
    // Jest skips global teardown when setup fails: leave nothing behind.
    temp.endRunTemp();
    throw err;
  }
}

async function startSharedCluster(runTmp: string): Promise<void> {
  const state = join(runTmp, 'shared-cluster.json');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'pipeline', 'testing', 'control-plane', 'cli.ts'),
      'up',
      '--shared-state',
      state,
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  (globalThis as { __tidemarkClusterPid?: number }).__tidemarkClusterPid = child.pid;
  const deadline = Date.now() + 120_000;
  while (!existsSync(state)) {
    if (child.exitCode !== null) throw new Error(`the shared control plane did not start: ${err}`);
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`the shared control plane did not start in 120 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.env.TIDEMARK_TEST_CLUSTER = state;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}
