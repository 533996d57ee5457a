/**
 * `npm run bench:kube [-- --nodes 2000 --pods 50000]`: seeds a real kube-apiserver (the test
 * control plane) with nodes and pods as large as real ones (labels, annotations, three containers
 * with env and probes; the API server adds managedFields itself), then reads the cluster with
 * the live source in a separate process. Prints and writes bench/results/kube-<pods>.json: wall
 * time, Tidemark's peak RSS, requests and bytes per kind, bytes per pod on the wire.
 */
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { request, Agent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { Command } from 'commander';
import pLimit from 'p-limit';
import { startControlPlane, type ControlPlane } from '../../pipeline/testing/control-plane/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

function post(cp: ControlPlane, agent: Agent, ca: Buffer, path: string, body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cp.server),
      {
        method: 'POST',
        agent,
        ca,
        headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`POST ${path}: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function container(name: string, i: number): object {
  return {
    name,
    image: `registry.example.com/team-${i % 50}/${name}:1.${i % 17}.${i % 5}`,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    env: Array.from({ length: 12 }, (_, k) => ({
      name: `SETTING_${k}`,
      value: `value-${i}-${k}-${'x'.repeat(20)}`,
    })),
    resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
  };
}

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
    const ca = readFileSync(cp.caFile);
    const agent = new Agent({ keepAlive: true, maxSockets: Number(o.concurrency) });
    const limit = pLimit(Number(o.concurrency));
    const t0 = performance.now();
    const namespaces = Math.max(1, Math.ceil(pods / 500));
    await Promise.all(
      Array.from({ length: namespaces }, (_, i) =>
        limit(() => post(cp, agent, ca, '/api/v1/namespaces', { metadata: { name: `team-${i}` } })),
      ),
    );
    await Promise.all(
      Array.from({ length: nodes }, (_, i) =>
        limit(() =>
          post(cp, agent, ca, '/api/v1/nodes', {
            metadata: {
              name: `node-${i}`,
              labels: {
                'kubernetes.io/hostname': `node-${i}`,
                'node.kubernetes.io/instance-type': 'm6i.4xlarge',
                'topology.kubernetes.io/zone': `zone-${i % 3}`,
              },
            },
            spec: { providerID: `aws:///zone-${i % 3}/i-${i.toString(16).padStart(12, '0')}` },
          }),
        ),
      ),
    );
    let done = 0;
    await Promise.all(
      Array.from({ length: pods }, (_, i) =>
        limit(async () => {
          const ns = `team-${i % namespaces}`;
          await post(cp, agent, ca, `/api/v1/namespaces/${ns}/pods`, {
            metadata: {
              name: `svc-${Math.floor(i / 5)}-7d9f8c6b5-${i.toString(36).padStart(5, 'x')}`,
              labels: {
                app: `svc-${Math.floor(i / 5)}`,
                'pod-template-hash': '7d9f8c6b5',
                team: ns,
                tier: 'backend',
              },
              annotations: {
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': '9090',
                'kubectl.kubernetes.io/restartedAt': '2026-11-01T10:00:00Z',
              },
            },
            spec: {
              nodeName: `node-${i % nodes}`,
              containers: [container('app', i), container('sidecar', i), container('log-shipper', i)],
              volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
            },
          });
          if (++done % 5000 === 0) process.stderr.write(`  seeded ${done} pods\n`);
        }),
      ),
    );
    const seedSeconds = (performance.now() - t0) / 1000;
    agent.destroy();

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
