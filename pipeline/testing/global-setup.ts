/**
 * Jest global setup. When the control-plane binaries are built, one real kube-apiserver is
 * started for the whole run (by control-plane/cli.ts in a child process, since global setup
 * cannot load the project's ESM TypeScript), seeded with the demo cluster, with the pipeline's
 * read-only role (deploy/rbac) bound to the user `reader`; suites reach it through
 * sharedCluster(). Suites that break a control plane (restarts) start their own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function binariesBuilt(): boolean {
  if (process.env.TIDEMARK_K8S_BIN && existsSync(join(process.env.TIDEMARK_K8S_BIN, 'kube-apiserver')))
    return true;
  const r = spawnSync(
    'sh',
    ['-c', 'ls -d "$HOME"/.cache/tidemark/k8s-*/bin/kube-apiserver 2>/dev/null | head -1'],
    {
      encoding: 'utf8',
    },
  );
  return r.stdout.trim().length > 0;
}

export default async function globalSetup(): Promise<void> {
  process.env.TIDEMARK_TEST_RUN = String(Date.now());
  if (!binariesBuilt()) return; // the tier's suites print SKIPPED (or fail under CI)
  const state = join(mkdtempSync(join(tmpdir(), 'tidemark-shared-')), 'cluster.json');
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
    if (Date.now() > deadline) throw new Error(`the shared control plane did not start in 120 s: ${err}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  process.env.TIDEMARK_TEST_CLUSTER = state;
}
