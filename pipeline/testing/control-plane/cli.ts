/**
 * `npm run cluster:up [-- --seed]` starts the test control plane for humans (in the foreground;
 * add `&` to keep the shell) and prints its kubeconfig; `npm run cluster:down` stops it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane } from './index.js';
import { seedFromSnapshot, prepareReadableCluster } from './seed.js';
import { SHARED_USERS, type SharedClusterState } from '../shared-cluster.js';
import { packageRoot } from '../../core/json-schema.js';

const stateDir = join(process.env.TIDEMARK_CACHE ?? join(homedir(), '.cache', 'tidemark'), 'cluster');
const stateFile = join(stateDir, 'state.json');

async function up(seed: boolean, readable: boolean, sharedState?: string): Promise<void> {
  if (!sharedState && existsSync(stateFile)) {
    const { pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
    try {
      process.kill(pid, 0);
      console.error(`a cluster is already up (pid ${pid}); run npm run cluster:down first`);
      process.exitCode = 1;
      return;
    } catch {
      /* stale state */
    }
  }
  const cp = await startControlPlane(readable ? { users: SHARED_USERS } : {});
  if (sharedState) {
    // For Jest's global setup: prepared for the read tests, state written when ready. A failed
    // preparation stops the control plane, so no etcd outlives the run.
    try {
      await prepareReadableCluster(cp, packageRoot());
    } catch (err) {
      await cp.stop();
      throw err;
    }
    const state: SharedClusterState = {
      server: cp.server,
      caFile: cp.caFile,
      adminToken: cp.adminToken,
      kubeconfig: cp.kubeconfig,
      dir: cp.dir,
      auditLog: cp.auditLog,
    };
    writeFileSync(sharedState, JSON.stringify(state));
    const stop = async (): Promise<void> => {
      await cp.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    await new Promise(() => {});
  }
  mkdirSync(stateDir, { recursive: true });
  const kubeconfig = join(stateDir, 'kubeconfig');
  copyFileSync(cp.kubeconfig, kubeconfig);
  // The kubeconfig names the CA by path inside the run's directory, which lives as long as we do.
  writeFileSync(stateFile, JSON.stringify({ pid: process.pid, kubeconfig, server: cp.server }));
  if (seed) {
    const counts = await seedFromSnapshot(cp, join(packageRoot(), 'fixtures', 'demo', 'cluster')).catch(
      async (err: unknown) => {
        await cp.stop();
        throw err;
      },
    );
    console.log(
      `seeded the demo cluster: ${Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}`,
    );
  }
  console.log(`control plane up at ${cp.server}\nexport KUBECONFIG=${kubeconfig}`);
  const stop = async (): Promise<void> => {
    await cp.stop();
    rmSync(stateFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await new Promise(() => {});
}

function down(): void {
  if (!existsSync(stateFile)) {
    console.log('no cluster is up');
    return;
  }
  const { pid } = JSON.parse(readFileSync(stateFile, 'utf8')) as { pid: number };
  try {
    process.kill(pid, 'SIGTERM');
    console.log(`stopping the control plane (pid ${pid})`);
  } catch {
    rmSync(stateFile, { force: true });
    console.log('the cluster was already gone');
  }
}

const [cmd, ...rest] = process.argv.slice(2);
const stateAt = rest.indexOf('--shared-state');
if (cmd === 'up')
  void up(rest.includes('--seed'), stateAt >= 0, stateAt >= 0 ? rest[stateAt + 1] : undefined).catch(
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
else if (cmd === 'down') down();
else {
  console.error('usage: cli.ts up [--seed] | down');
  process.exitCode = 2;
}
