/**
 * The guardian's pool- and cluster-level switches on a real kube-apiserver, as a user bound to
 * deploy/guardian plus its koordinator and tke components: Koordinator's reclaim threshold for a
 * hot pool tightened before any eviction and restored byte-for-byte when the pool is calm; TKE's
 * AUTO_SCALE_EKS turned on while pods stay unschedulable (no pod template touched), with an
 * emergency PR holding the live value, and turned off — the PR closed — once they are gone.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import { kubeRequest } from '../testing/control-plane/seed.js';
import {
  hasHotspotTaint,
  kubectlFor,
  prepareGuardianCluster,
  readJournal,
  ScriptedUsage,
  TestClock,
} from '../testing/guardian-cluster.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import { startGitOpsFixture, type GitOpsFixture } from '../testing/gitops-fixture.js';
import { allowSlowTests } from '../testing/slow.js';
import { silentLogger } from '../core/logger.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { packageRoot } from '../core/json-schema.js';
import { connect } from '../collect/kubernetes/connect.js';
import { createKubeApi } from './kube/api.js';
import { Guardian } from './controller.js';
import { GUARDIAN_DEFAULTS } from './settings.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

allowSlowTests();

const TOKEN = 'ghs_guardiancolocationtoken_987654321';
const OWNER = 'acme';
const REPO = 'gitops';
const G = { ...GUARDIAN_DEFAULTS, poolLabel: 'pool' };
const COLOCATION = `{"enable": true, "cpuReclaimThresholdPercent": 60, "memoryReclaimThresholdPercent": 65,
 "nodeConfigs": [{"name": "big-nodes", "nodeSelector": {"matchLabels": {"pool": "big"}},
                  "cpuReclaimThresholdPercent": 70}]}`;
const EKS_FILE = `# bursting to super nodes stays off unless the guardian needs it
apiVersion: v1
kind: ConfigMap
metadata:
  name: eks-config
  namespace: kube-system
data:
  AUTO_SCALE_EKS: "false"
`;

describeWithControlPlane()('guardian: Koordinator thresholds and the TKE burst switch', () => {
  let cp: ControlPlane;
  let fx: GitOpsFixture;
  const get = async (path: string) => (await kubeRequest(cp, 'GET', path)).body;
  const slo = () => get('/api/v1/namespaces/koordinator-system/configmaps/slo-controller-config');
  const eks = () => get('/api/v1/namespaces/kube-system/configmaps/eks-config');

  beforeAll(async () => {
    clearRegisteredSecrets();
    cp = await startControlPlane({ users: { 'guardian-k': [] } });
    await prepareGuardianCluster(cp, ['guardian-k'], 5);
    const kubectl = kubectlFor(cp);
    kubectl(['create', 'namespace', 'koordinator-system']);
    kubectl(['create', 'namespace', 'shop']);
    for (const [component, ns] of [
      ['koordinator', 'koordinator-system'],
      ['tke', 'kube-system'],
    ] as const) {
      const text = readFileSync(join(packageRoot(), 'deploy', 'guardian', component, 'rbac.yaml'), 'utf8');
      const role = parseAllDocuments(text)
        .map((d) => d.toJS())
        .find((o) => o.kind === 'Role');
      kubectl(['apply', '-f', '-'], JSON.stringify(role));
      kubectl([
        '-n',
        ns,
        'create',
        'rolebinding',
        'guardian-k',
        '--role=tidemark-guardian',
        '--user=guardian-k',
      ]);
    }
    kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'slo-controller-config', namespace: 'koordinator-system' },
        data: { 'colocation-config': COLOCATION },
      }),
    );
    kubectl(['apply', '-f', '-'], EKS_FILE);
    // A TKE super node: labelled eklet and tainted, as tke-resilience registers it.
    const created = await kubeRequest(cp, 'POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'eklet-subnet-1',
        labels: { 'node.kubernetes.io/instance-type': 'eklet', pool: 'eklet' },
      },
      spec: { taints: [{ key: 'eks.tke.cloud.tencent.com/eklet', effect: 'NoSchedule' }] },
    });
    expect(created.status).toBe(201);

    fx = await startGitOpsFixture({
      token: TOKEN,
      owner: OWNER,
      repo: REPO,
      files: { 'clusters/demo/kube-system/eks-config.yaml': EKS_FILE },
    });
  });

  afterAll(async () => {
    await fx?.close();
    await cp?.stop();
  });

  async function guardian(clock: TestClock, usage: ScriptedUsage) {
    const g = new Guardian({
      api: createKubeApi(await connect({ kubeconfig: cp.kubeconfigFor('guardian-k') } as any)),
      usage,
      clock,
      logger: silentLogger,
      settings: G,
      identity: 'guardian-k',
      publisher: fx.publisher(),
    });
    const stop = new AbortController();
    await g.start(stop.signal);
    const ticks = async (n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        clock.t += G.intervalSeconds * 1000;
        out.push(await g.tick());
      }
      return out;
    };
    return { g, stop, ticks };
  }

  it("tightens a hot pool's reclaim threshold before any eviction, and restores the JSON byte-for-byte", async () => {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    const { g, stop, ticks } = await guardian(clock, usage);
    try {
      expect(g.slo).toBeDefined();
      usage.cpu.set('node-2', 0.95);
      await ticks(14);
      expect(await hasHotspotTaint(cp, 'node-2')).toBe(true);
      // still hot after the step cool-down: the pool's batch capacity shrinks, no pod is touched
      const next = (await ticks(G.stepCooldownSeconds / G.intervalSeconds)).flatMap((r) => r.outcomes);
      expect(next).toEqual([{ kind: 'tighten', node: 'node-2', outcome: 'done' }]);
      const cm = await slo();
      const added =
        ', {"name":"tidemark-hotspot-general","nodeSelector":{"matchLabels":{"pool":"general"}},"cpuReclaimThresholdPercent":40}]}';
      expect(cm.data['colocation-config']).toBe(COLOCATION.replace(/\]\}$/, added));
      expect(cm.metadata.annotations['tidemark.io/guardian-journal']).toMatch(/^guardian-k-/);
      const entry = (await readJournal(cp)).find((e: any) => e.action === 'tighten') as any;
      expect(entry).toMatchObject({ target: 'Pool/general', node: 'node-2', state: 'active', value: 40 });
      // the following step is an eviction attempt (here: no pod to take), never a second tightening
      const after = await ticks(G.stepCooldownSeconds / G.intervalSeconds);
      expect(after.flatMap((r) => r.outcomes).filter((o) => o.kind === 'tighten')).toEqual([]);
      expect(after.at(-1)!.refused).toContainEqual(
        expect.objectContaining({ node: 'node-2', reason: 'no-victim' }),
      );

      usage.cpu.set('node-2', 0.3);
      const calm = (await ticks(14 + G.coolSeconds / G.intervalSeconds + 2)).flatMap((r) => r.outcomes);
      expect(calm.map((o) => o.kind)).toEqual(['untaint', 'relax']);
      const restored = await slo();
      expect(restored.data['colocation-config']).toBe(COLOCATION);
      expect(restored.metadata.annotations?.['tidemark.io/guardian-journal']).toBeUndefined();
      expect((await readJournal(cp)).find((e: any) => e.action === 'tighten')).toMatchObject({
        state: 'reverted',
      });
    } finally {
      stop.abort();
      await g.lease.release();
    }
  });

  it('turns AUTO_SCALE_EKS on for pods unschedulable for the window, proposes it to Git, and turns it off after', async () => {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    const { g, stop, ticks } = await guardian(clock, usage);
    const pending = ['queue-a', 'queue-b'];
    try {
      for (const name of pending) {
        const pod = await kubeRequest(cp, 'POST', '/api/v1/namespaces/shop/pods', {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name },
          spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '8' } } }] },
        });
        expect(pod.status).toBe(201);
        const status = await kubeRequest(cp, 'PUT', `/api/v1/namespaces/shop/pods/${name}/status`, {
          ...pod.body,
          status: {
            phase: 'Pending',
            conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }],
          },
        });
        expect(status.status).toBe(200);
      }
      const template = (await get('/api/v1/namespaces/shop/pods/queue-a')).spec;
      await new Promise((r) => setTimeout(r, 300));
      const early = await ticks(G.burst.pendingSeconds / G.intervalSeconds);
      expect(early.map((r) => r.burst).filter(Boolean)).toEqual([]);
      const on = await ticks(2);
      expect(on.map((r) => r.burst).filter(Boolean)).toEqual([{ kind: 'burst-on', outcome: 'done' }]);
      expect((await eks()).data.AUTO_SCALE_EKS).toBe('true');
      expect((await get('/api/v1/namespaces/shop/pods/queue-a')).spec).toEqual(template);
      const events = await get('/api/v1/namespaces/kube-system/events');
      expect(events.items.map((e: any) => e.reason)).toContain('BurstEnabled');

      await g.git!.kick();
      const pr = fx.gh.repo(OWNER, REPO).pulls[0]!;
      expect(pr.title).toBe('fix(tidemark): emergency data.AUTO_SCALE_EKS kube-system/eks-config false→true');
      const dir = mkdtempSync(join(tmpdir(), 'colocation-'));
      await simpleGit().clone(fx.git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), dir, [
        '--branch',
        pr.head,
      ]);
      expect(readFileSync(join(dir, 'clusters/demo/kube-system/eks-config.yaml'), 'utf8')).toBe(
        EKS_FILE.replace('AUTO_SCALE_EKS: "false"', 'AUTO_SCALE_EKS: "true"'),
      );

      for (const name of pending) await kubeRequest(cp, 'DELETE', `/api/v1/namespaces/shop/pods/${name}`);
      await new Promise((r) => setTimeout(r, 300));
      const off = await ticks(G.coolSeconds / G.intervalSeconds + 2);
      expect(off.map((r) => r.burst).filter(Boolean)).toEqual([{ kind: 'burst-off', outcome: 'done' }]);
      expect((await eks()).data.AUTO_SCALE_EKS).toBe('false');
      await g.git!.kick();
      expect(fx.gh.repo(OWNER, REPO).pulls.map((p) => p.state)).toEqual(['closed']);
      expect((await readJournal(cp)).find((e: any) => e.action === 'burst')).toMatchObject({
        state: 'reverted',
        git: {
          before: 'false',
          lift: { action: 'created' },
          restore: { action: 'git-agrees', closed: pr.number },
        },
      });

      // Only the granted, named ConfigMaps were read and written; nothing was refused.
      stop.abort();
      await new Promise((r) => setTimeout(r, 1500));
      const used = new Set<string>();
      for (const e of cp.audit()) {
        if (e.user.username !== 'guardian-k' || e.stage !== 'ResponseComplete' || !e.objectRef) continue;
        expect(e.responseStatus?.code).not.toBe(403);
        if (e.objectRef.resource === 'configmaps' && e.objectRef.namespace !== 'tidemark')
          used.add(`${e.objectRef.namespace}/${e.objectRef.name}:${e.verb}`);
      }
      expect([...used].sort()).toEqual(
        [
          'koordinator-system/slo-controller-config:list',
          'koordinator-system/slo-controller-config:watch',
          'koordinator-system/slo-controller-config:patch',
          'kube-system/eks-config:list',
          'kube-system/eks-config:watch',
          'kube-system/eks-config:patch',
        ].sort(),
      );
    } finally {
      stop.abort();
      await g.lease.release().catch(() => undefined);
    }
  });
});
