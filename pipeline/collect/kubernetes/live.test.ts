/**
 * The live source against a real kube-apiserver seeded with the demo cluster, read as a user
 * bound to deploy/rbac only: the same model as the snapshot it exports, one LIST per kind (from
 * the API server's audit log), never a Secret, retries across an API server restart, and 429's
 * Retry-After honoured.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createLiveKubernetesSource } from './live.js';
import { main } from '../../cli/main.js';
import type { KubeObject } from '../types.js';
import { INVENTORY } from './kinds.js';
import { readSnapshot } from '../snapshot/index.js';
import { writeSnapshot } from '../snapshot/write.js';
import { buildClusterModel } from '../../model/build/index.js';
import { createMemoryLogger, silentLogger } from '../../core/logger.js';
import { SourceError } from '../../core/errors.js';
import { packageRoot } from '../../core/json-schema.js';
import { startControlPlane, type ControlPlane } from '../../testing/control-plane/index.js';
import { kubeRequest, prepareReadableCluster } from '../../testing/control-plane/seed.js';
import { sharedCluster, SHARED_USERS, type SharedCluster } from '../../testing/shared-cluster.js';
import { describeWithControlPlane } from '../../testing/kube-tier.js';
import { allowSlowTests } from '../../testing/slow.js';

allowSlowTests();

const demo = join(packageRoot(), 'fixtures', 'demo', 'cluster');

function modelSummary(objects: KubeObject[]): string[] {
  const m = buildClusterModel({ objects, facts: {} }, { cluster: 'demo', at: 1_800_000_000 });
  return [...m.workloads.values()]
    .map(
      (w) =>
        `${w.key} pods=${[...w.podNames].sort().join(',')} ${JSON.stringify(w.template)} ${JSON.stringify(w.gitops)}`,
    )
    .sort();
}

describeWithControlPlane()('collect/kubernetes (real kube-apiserver)', () => {
  let cp: SharedCluster;
  let reader: string;

  beforeAll(() => {
    const shared = sharedCluster();
    if (!shared)
      throw new Error('the shared control plane was not started (pipeline/testing/global-setup.ts)');
    cp = shared;
    reader = cp.kubeconfigFor('reader');
  });

  it('reads the seeded cluster with only deploy/rbac, once per kind, never a Secret; the model equals its exported snapshot', async () => {
    const before = cp.audit().length;
    const inv = await createLiveKubernetesSource({ kubeconfig: reader }).read({ logger: silentLogger });
    const events = cp
      .audit()
      .slice(before)
      .filter((e) => e.user.username === 'reader');
    const lists = events.filter((e) => e.verb === 'list');
    const perResource = new Map<string, number>();
    for (const e of lists)
      perResource.set(e.objectRef!.resource!, (perResource.get(e.objectRef!.resource!) ?? 0) + 1);
    // Every built-in kind, plus the one CRD-backed kind the cluster has (found by discovery).
    const core = [...INVENTORY.filter((k) => !k.optional).map((k) => k.resource), 'verticalpodautoscalers'];
    expect([...perResource.keys()].sort()).toEqual([...core].sort());
    expect([...perResource.values()].every((n) => n === 1)).toBe(true);
    // Cluster-wide LISTs, except the one ConfigMap read by name in its namespace (RBAC allows that
    // name only: the reader role's resourceNames works with the metadata.name field selector).
    expect(
      lists.every(
        (e) =>
          e.requestURI.includes('resourceVersion=0') &&
          (!e.objectRef!.namespace || e.objectRef!.resource === 'configmaps'),
      ),
    ).toBe(true);
    const configMaps = events.filter((e) => e.objectRef?.resource === 'configmaps');
    expect(configMaps).toHaveLength(1);
    expect(configMaps[0]!.objectRef!.namespace).toBe('koordinator-system');
    expect(configMaps[0]!.requestURI).toContain('fieldSelector=metadata.name%3Dslo-controller-config');
    expect(events.every((e) => (e.responseStatus?.code ?? 200) < 400)).toBe(true);
    expect(events.some((e) => e.objectRef?.resource === 'secrets')).toBe(false);
    expect(JSON.stringify(inv.objects)).not.toContain('hunter2');
    expect(inv.objects.some((o) => 'managedFields' in o.metadata)).toBe(false);
    expect(inv.facts.version).toMatch(/^v1\.\d+/);
    expect(inv.facts.installedKinds).toEqual(['autoscaling.k8s.io/VerticalPodAutoscaler']);
    expect(inv.objects.find((o) => o.kind === 'VerticalPodAutoscaler')).toMatchObject({
      metadata: { name: 'search', namespace: 'shop' },
      spec: { updatePolicy: { updateMode: 'Off' } },
    });
    // Ingresses are read whole (scale-down scoring needs the Services behind them); kinds read
    // for their metadata only never bring their body over the wire.
    const ingress = inv.objects.find((o) => o.kind === 'Ingress')!;
    expect(ingress).toMatchObject({
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { rules: [{ http: { paths: [{ backend: { service: { name: 'web' } } }] } }] },
    });
    const slices = inv.objects.filter((o) => o.kind === 'EndpointSlice');
    expect(slices.length).toBeGreaterThan(0);
    for (const e of slices) expect(Object.keys(e).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(inv.stats!.Pod!.objects).toBeGreaterThan(20);
    expect(inv.stats!.Pod!.bytes).toBeGreaterThan(10_000);

    // The same model as the fixture it was seeded from, and as the snapshot it exports.
    const out = join(mkdtempSync(join(tmpdir(), 'tidemark-snap-')), 'snap');
    writeSnapshot(inv, out, 'demo');
    const live = modelSummary(inv.objects);
    expect(live.length).toBeGreaterThan(10);
    expect(modelSummary(readSnapshot(out).objects)).toEqual(live);
    expect(modelSummary(readSnapshot(demo).objects.filter((o) => o.kind !== 'APIService'))).toEqual(live);
    expect(readFileSync(join(out, 'tidemark-snapshot.yaml'), 'utf8')).toMatch(/formatVersion: 1/);
  });

  it('a user without the role gets a clear error naming what was refused and deploy/rbac', async () => {
    const err = await createLiveKubernetesSource({ kubeconfig: cp.kubeconfigFor('nobody') })
      .read({ logger: silentLogger })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/refused GET \/api.* \(HTTP 403\).*deploy\/rbac/);
    expect((err as Error).message).not.toContain('nobody-token');
  });

  it('fails clearly, after its retries, when the API server is gone', async () => {
    const file = join(cp.dir, 'kubeconfig-gone');
    writeFileSync(file, readFileSync(reader, 'utf8').replace(cp.server, 'https://127.0.0.1:9'));
    const err = await createLiveKubernetesSource({ kubeconfig: file }, { retryBaseMs: 20, retries: 2 })
      .read({ logger: silentLogger })
      .catch((e: unknown) => e);
    expect((err as SourceError).code).toBe('source-unavailable');
    expect((err as Error).message).toMatch(/after 3 attempts/);
  });

  it("waits for a 429's Retry-After before asking again", async () => {
    // A plain-HTTP front that answers the first pods LIST with 429, then forwards to the API server.
    let podLists = 0;
    const seenAt: number[] = [];
    const ca = readFileSync(cp.caFile);
    const proxy: Server = createServer((req, res) => {
      if (req.url?.startsWith('/api/v1/pods')) {
        podLists++;
        seenAt.push(Date.now());
        if (podLists === 1) {
          res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', message: 'too many requests' }));
          return;
        }
      }
      const up = httpsRequest(
        new URL(req.url!, cp.server),
        { method: req.method, headers: req.headers, ca },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const file = join(cp.dir, 'kubeconfig-proxy');
    writeFileSync(
      file,
      readFileSync(reader, 'utf8')
        .replace(cp.server, `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`)
        // client-node speaks plain HTTP only to a server marked insecure.
        .replace(/certificate-authority: "[^"]*"/, 'insecure-skip-tls-verify: true'),
    );
    try {
      const inv = await createLiveKubernetesSource({ kubeconfig: file }, { retryAfterUnitMs: 250 }).read({
        logger: silentLogger,
      });
      expect(podLists).toBe(2);
      expect(seenAt[1]! - seenAt[0]!).toBeGreaterThanOrEqual(500); // 2 "seconds" of 250 ms
      expect(inv.objects.some((o) => o.kind === 'Pod')).toBe(true);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('runs in-cluster as the ServiceAccount deploy/rbac creates, with a token the API server issued', async () => {
    const token = await kubeRequest(
      cp,
      'POST',
      '/api/v1/namespaces/tidemark/serviceaccounts/tidemark/token',
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
    );
    expect(token.status).toBe(201);
    const root = mkdtempSync(join(tmpdir(), 'tidemark-sa-'));
    const sa = join(root, 'var', 'run', 'secrets', 'kubernetes.io', 'serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), token.body.status.token);
    writeFileSync(join(sa, 'ca.crt'), readFileSync(cp.caFile));
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = new URL(cp.server).port;
    try {
      const before = cp.audit().length;
      const inv = await createLiveKubernetesSource({ inCluster: true }, { serviceAccountRoot: root }).read({
        logger: silentLogger,
      });
      expect(inv.objects.filter((o) => o.kind === 'Pod').length).toBeGreaterThan(20);
      const mine = cp
        .audit()
        .slice(before)
        .filter((e) => e.user.username === 'system:serviceaccount:tidemark:tidemark');
      expect(mine.filter((e) => e.verb === 'list').length).toBeGreaterThanOrEqual(20);
      expect(mine.every((e) => (e.responseStatus?.code ?? 200) < 400)).toBe(true);
      expect(new Set(mine.map((e) => e.verb))).toEqual(new Set(['list', 'get']));
      expect(mine.filter((e) => e.verb === 'get').every((e) => !e.objectRef?.resource)).toBe(true); // discovery only
    } finally {
      process.env.KUBERNETES_SERVICE_HOST = saved.host;
      process.env.KUBERNETES_SERVICE_PORT = saved.port;
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    }
  });

  it('`tidemark snapshot` exports the live cluster for an offline plan, exit 0, nothing secret inside', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-snapcli-'));
    mkdirSync(join(dir, 'gitops'));
    writeFileSync(join(dir, 'metrics.om'), '# EOF\n');
    writeFileSync(
      join(dir, 'tidemark.yaml'),
      [
        'apiVersion: tidemark.io/v1alpha1',
        'kind: Pipeline',
        'clusters:',
        '  - name: live',
        `    kubernetes: { kubeconfig: "${reader}" }`,
        '    metrics: { openmetrics: metrics.om }',
        '    repo: { path: gitops/ }',
        '',
      ].join('\n'),
    );
    let out = '';
    const code = await main(
      ['snapshot', '--config', join(dir, 'tidemark.yaml'), '--cluster', 'live', '--out', join(dir, 'snap')],
      { stdout: (t) => (out += t), logger: silentLogger },
    );
    expect(code).toBe(0);
    expect(out).toMatch(/wrote .*snap: \d+ objects of \d+ kinds/);
    const snap = readSnapshot(join(dir, 'snap'));
    expect(snap.objects.filter((o) => o.kind === 'Pod').length).toBeGreaterThan(20);
    expect(snap.facts.version).toMatch(/^v1\./);
    const text = execFileSync(
      'cat',
      ['-v', ...readdirSync(join(dir, 'snap')).map((f) => join(dir, 'snap', f))],
      { encoding: 'utf8' },
    );
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('reader-token');
    expect(text).not.toContain('managedFields');
  });
});

describeWithControlPlane()('collect/kubernetes across an API server restart', () => {
  // Its own control plane: this suite kills the API server.
  let cp: ControlPlane;
  let reader: string;

  beforeAll(async () => {
    cp = await startControlPlane({ users: SHARED_USERS });
    await prepareReadableCluster(cp, packageRoot());
    reader = cp.kubeconfigFor('reader');
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('rides out an API server restart mid-read with retries', async () => {
    const logger = createMemoryLogger('warn');
    const reading = createLiveKubernetesSource({ kubeconfig: reader }, { retryBaseMs: 200, retries: 8 }).read(
      { logger },
    );
    await new Promise((r) => setTimeout(r, 30));
    await cp.restartApiServer(1000, { user: 'reader', path: '/api/v1/persistentvolumeclaims?limit=1' });
    const inv = await reading;
    expect(inv.objects.filter((o) => o.kind === 'Pod').length).toBeGreaterThan(20);
    expect(logger.lines.some((l) => l.includes('kubernetes request failed, retrying'))).toBe(true);
  });
});
