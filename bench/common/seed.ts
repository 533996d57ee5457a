/**
 * Seeding a real kube-apiserver with a cluster as large as a real one, for the benchmarks: nodes,
 * and pods as big as real ones (labels, annotations, three containers with env and probes; the
 * API server adds managedFields itself), over keep-alive HTTPS with bounded concurrency.
 */
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import pLimit from 'p-limit';
import type { ControlPlane } from '../../pipeline/testing/control-plane/index.js';

export function apiWriter(
  cp: ControlPlane,
  concurrency: number,
): {
  send(method: string, path: string, body: unknown, contentType?: string): Promise<void>;
  limit: ReturnType<typeof pLimit>;
  close(): void;
} {
  const ca = readFileSync(cp.caFile);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const send = (method: string, path: string, body: unknown, contentType = 'application/json') =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        new URL(path, cp.server),
        {
          method,
          agent,
          ca,
          headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': contentType },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            (res.statusCode ?? 0) < 300
              ? resolve()
              : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  return { send, limit: pLimit(concurrency), close: () => agent.destroy() };
}

export function container(name: string, i: number): object {
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

export interface SeedOptions {
  nodes: number;
  pods: number;
  concurrency: number;
  /** Extra node labels and status (e.g. a pool label, allocatable) per node index. */
  node?: (i: number) => { labels?: Record<string, string>; status?: object };
}

/** Where seeded pod `i` lives and what it is called (namespaces of 500 pods, nodes round-robin). */
export function seededPod(
  i: number,
  pods: number,
  nodes: number,
): { namespace: string; name: string; node: string } {
  const namespaces = Math.max(1, Math.ceil(pods / 500));
  return {
    namespace: `team-${i % namespaces}`,
    name: `svc-${Math.floor(i / 5)}-7d9f8c6b5-${i.toString(36).padStart(5, 'x')}`,
    node: `node-${i % nodes}`,
  };
}

/** Namespaces of 500 pods, then nodes, then pods spread round-robin over the nodes. */
export async function seedCluster(cp: ControlPlane, o: SeedOptions): Promise<void> {
  const w = apiWriter(cp, o.concurrency);
  try {
    const namespaces = Math.max(1, Math.ceil(o.pods / 500));
    await Promise.all(
      Array.from({ length: namespaces }, (_, i) =>
        w.limit(() => w.send('POST', '/api/v1/namespaces', { metadata: { name: `team-${i}` } })),
      ),
    );
    await Promise.all(
      Array.from({ length: o.nodes }, (_, i) => {
        const extra = o.node?.(i) ?? {};
        return w.limit(() =>
          w.send('POST', '/api/v1/nodes', {
            metadata: {
              name: `node-${i}`,
              labels: {
                'kubernetes.io/hostname': `node-${i}`,
                'node.kubernetes.io/instance-type': 'm6i.4xlarge',
                'topology.kubernetes.io/zone': `zone-${i % 3}`,
                ...extra.labels,
              },
            },
            spec: { providerID: `aws:///zone-${i % 3}/i-${i.toString(16).padStart(12, '0')}` },
            ...(extra.status ? { status: extra.status } : {}),
          }),
        );
      }),
    );
    let done = 0;
    await Promise.all(
      Array.from({ length: o.pods }, (_, i) =>
        w.limit(async () => {
          const { namespace: ns, name, node } = seededPod(i, o.pods, o.nodes);
          await w.send('POST', `/api/v1/namespaces/${ns}/pods`, {
            metadata: {
              name,
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
              nodeName: node,
              containers: [container('app', i), container('sidecar', i), container('log-shipper', i)],
              volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
            },
          });
          if (++done % 5000 === 0) process.stderr.write(`  seeded ${done} pods\n`);
        }),
      ),
    );
  } finally {
    w.close();
  }
}
