/**
 * `npm run bench:kube [-- --nodes 2000 --pods 50000]`: seeds a real kube-apiserver (the test
 * control plane) with nodes and pods as large as real ones (labels, annotations, three containers
 * with env and probes; the API server adds managedFields itself), then reads the cluster with
 * the live source in a separate process. Prints and writes bench/results/kube-<pods>.json: wall
 * time, Tidemark's peak RSS, requests and bytes per kind, bytes per pod on the wire.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import { startControlPlane } from '../../pipeline/testing/control-plane/index.js';
import { seedCluster } from '../common/seed.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

async function main(): Promise<void> {
  const o = new Command('bench:kube')
    .option('--nodes <n>', 'nodes', '2000')
    .option('--pods <n>', 'pods', '50000')
    .option('--concurrency <n>', 'seeding requests in flight', '32')
    .parse(process.argv)
    .opts<{ nodes: string; pods: string; concurrency: string }>();
  const nodes = Number(o.nodes);
  const pods = Number(o.pods);
  const cp = await startControlPlane();
  try {
    const t0 = performance.now();
    await seedCluster(cp, { nodes, pods, concurrency: Number(o.concurrency) });
    const seedSeconds = (performance.now() - t0) / 1000;

    const script = join(here, 'read.ts');
    const t = performance.now();
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%M', process.execPath, '--import', 'tsx', script, cp.kubeconfig],
      { encoding: 'utf8', cwd: root, maxBuffer: 64 * 2 ** 20 },
    );
    const wall = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`read failed: ${r.stderr.slice(-2000)}`);
    const stats = JSON.parse(r.stdout) as {
      readSeconds: number;
      objects: number;
      stats: Record<string, { requests: number; bytes: number; objects: number }>;
    };
    const peakRssMiB = Math.round(Number(r.stderr.trim().split('\n').pop()) / 1024);
    const lists = cp.audit().filter((e) => e.verb === 'list' && e.user.username === 'admin');
    const pod = stats.stats.Pod!;
    const result = {
      generatedAt: new Date().toISOString(),
      nodes,
      pods,
      seedSeconds,
      read: {
        seconds: stats.readSeconds,
        processWallSeconds: wall,
        peakRssMiB,
        objects: stats.objects,
        requests: Object.values(stats.stats).reduce((n, s) => n + s.requests, 0),
        bytes: Object.values(stats.stats).reduce((n, s) => n + s.bytes, 0),
        bytesPerPod: Math.round(pod.bytes / Math.max(1, pod.objects)),
        listsSeenByApiServer: lists.length,
        perKind: stats.stats,
      },
    };
    const file = join(root, 'bench', 'results', `kube-${pods}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    console.log(
      [
        `bench:kube — ${nodes} nodes, ${pods} pods (${result.read.bytesPerPod} bytes per pod on the wire, managedFields included), seeded in ${seedSeconds.toFixed(0)} s`,
        `  read ${result.read.seconds.toFixed(1)} s (process ${wall.toFixed(1)} s), Tidemark peak RSS ${peakRssMiB} MiB`,
        `  ${result.read.requests} LISTs for ${Object.keys(stats.stats).length} kinds (${lists.length} seen by the API server), ${(result.read.bytes / 2 ** 20).toFixed(0)} MiB read, ${stats.objects} objects kept`,
        `wrote ${file}`,
      ].join('\n'),
    );
  } finally {
    await cp.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
