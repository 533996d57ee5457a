/**
 * The elastic ceiling end to end: a real kube-apiserver (with KEDA's and Crane's CRDs), a real git
 * remote and the contract-checked GitHub fake. Three saturated HPAs — a plain one, one owned by a
 * KEDA ScaledObject, one by a Crane EHPA — are each lifted by one step where the ceiling sticks
 * (never the owned HPA itself); each gets an emergency PR holding exactly the live value, outside
 * the PR limits. After cooling the old ceilings come back: the PR Git merged gets a revert PR, the
 * ones it never took are closed.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import { kubeRequest } from '../testing/control-plane/seed.js';
import {
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
import { connect } from '../collect/kubernetes/connect.js';
import { decodeMarker } from '../publish/pr/marker.js';
import { createKubeApi } from './kube/api.js';
import { Guardian } from './controller.js';
import { GUARDIAN_DEFAULTS } from './settings.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

allowSlowTests();

const TOKEN = 'ghs_guardianceilingtoken_0123456789';
const OWNER = 'acme';
const REPO = 'gitops';
const G = { ...GUARDIAN_DEFAULTS, poolLabel: 'pool' };

const FILES: Record<string, string> = {
  'clusters/demo/shop/web-hpa.yaml': `# web's autoscaler: tuned by hand for the winter sale
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 8   # the ceiling finance agreed to

  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
`,
  'clusters/demo/shop/api-scaledobject.yaml': `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: api
  namespace: shop
spec:
  scaleTargetRef:
    name: api
  minReplicaCount: 2
  maxReplicaCount: 10
  triggers:
    - type: cpu
      metricType: Utilization
      metadata:
        value: "70"
`,
  'clusters/demo/shop/cart-ehpa.yaml': `apiVersion: autoscaling.crane.io/v1alpha1
kind: EffectiveHorizontalPodAutoscaler
metadata:
  name: cart
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: cart
  minReplicas: 1
  maxReplicas: 6
  scaleStrategy: Auto
`,
};

function crd(group: string, kind: string, plural: string): unknown {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  };
}

describeWithControlPlane()('guardian: the elastic ceiling and Git agreement', () => {
  let cp: ControlPlane;
  let fx: GitOpsFixture;
  const hpaPath = (name: string) => `/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/${name}`;
  const get = async (path: string) => (await kubeRequest(cp, 'GET', path)).body;

  /** What the HPA controller (not running here) would write: replicas and CPU utilization. */
  async function hpaStatus(name: string, current: number, desired: number, cpu: number) {
    const h = await get(hpaPath(name));
    const res = await kubeRequest(cp, 'PUT', `${hpaPath(name)}/status`, {
      ...h,
      status: {
        currentReplicas: current,
        desiredReplicas: desired,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } },
        ],
      },
    });
    expect(res.status).toBe(200);
  }

  /** What KEDA / Crane (not running here) do: copy the owner's ceiling into their HPA. */
  async function copyCeiling(hpa: string, max: number) {
    const h = await get(hpaPath(hpa));
    await kubeRequest(cp, 'PUT', hpaPath(hpa), { ...h, spec: { ...h.spec, maxReplicas: max } });
  }

  async function ownedHpa(
    name: string,
    owner: { apiVersion: string; kind: string; name: string },
    max: number,
  ) {
    const o = await get(
      `/apis/${owner.apiVersion}/namespaces/shop/${owner.kind === 'ScaledObject' ? 'scaledobjects' : 'effectivehorizontalpodautoscalers'}/${owner.name}`,
    );
    const res = await kubeRequest(
      cp,
      'POST',
      '/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers',
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: {
          name,
          namespace: 'shop',
          ownerReferences: [{ ...owner, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: owner.name },
          minReplicas: 1,
          maxReplicas: max,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ],
        },
      },
    );
    expect(res.status).toBe(201);
  }

  /** Checks out the branch (or main) of the GitOps repo. */
  async function checkout(branch = 'main'): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'ceiling-'));
    await simpleGit().clone(fx.git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), dir, [
      '--branch',
      branch,
    ]);
    return dir;
  }

  async function mergeOnGitHub(number: number, branch: string): Promise<void> {
    const dir = await checkout();
    const g = simpleGit({ baseDir: dir, config: ['user.name=GitHub', 'user.email=noreply@github.com'] });
    await g.fetch('origin', branch);
    await g.raw(['merge', '--no-ff', '-m', `Merge pull request #${number}`, 'FETCH_HEAD']);
    await g.push('origin', 'main');
    fx.gh.human.mergePull(OWNER, REPO, number);
  }

  beforeAll(async () => {
    clearRegisteredSecrets();
    cp = await startControlPlane({ users: { 'guardian-h': [] } });
    await prepareGuardianCluster(cp, ['guardian-h'], 3);
    const kubectl = kubectlFor(cp);
    kubectl(['create', 'namespace', 'shop']);
    for (const [group, kind, plural] of [
      ['keda.sh', 'ScaledObject', 'scaledobjects'],
      ['autoscaling.crane.io', 'EffectiveHorizontalPodAutoscaler', 'effectivehorizontalpodautoscalers'],
    ] as const)
      expect(
        (
          await kubeRequest(
            cp,
            'POST',
            '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
            crd(group, kind, plural),
          )
        ).status,
      ).toBe(201);
    kubectl([
      'wait',
      '--for=condition=Established',
      'crd/scaledobjects.keda.sh',
      'crd/effectivehorizontalpodautoscalers.autoscaling.crane.io',
    ]);
    for (const text of Object.values(FILES)) kubectl(['apply', '-f', '-'], text);
    await ownedHpa('keda-hpa-api', { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'api' }, 10);
    await ownedHpa(
      'ehpa-cart',
      { apiVersion: 'autoscaling.crane.io/v1alpha1', kind: 'EffectiveHorizontalPodAutoscaler', name: 'cart' },
      6,
    );

    fx = await startGitOpsFixture({ token: TOKEN, owner: OWNER, repo: REPO, files: FILES });
  });

  afterAll(async () => {
    await fx?.close();
    await cp?.stop();
  });

  it('lifts three saturated ceilings by one step where they stick, proposes exactly the live values, then restores, reverts and closes', async () => {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    const g = new Guardian({
      api: createKubeApi(await connect({ kubeconfig: cp.kubeconfigFor('guardian-h') } as any)),
      usage,
      clock,
      logger: silentLogger,
      settings: G,
      identity: 'guardian-h',
      publisher: fx.publisher({ prConcurrentLimit: 1, prHourlyLimit: 1 }),
    });
    const stop = new AbortController();
    await g.start(stop.signal);
    const tick = async (n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        clock.t += G.intervalSeconds * 1000;
        out.push(await g.tick());
      }
      return out.flatMap((r) => r.hpas);
    };
    const settle = () => new Promise((r) => setTimeout(r, 300)); // the HPA watch delivers
    try {
      expect([...g.owners.keys()].sort()).toEqual(['EffectiveHorizontalPodAutoscaler', 'ScaledObject']);
      await hpaStatus('web', 8, 8, 95);
      await hpaStatus('keda-hpa-api', 10, 10, 90);
      await hpaStatus('ehpa-cart', 6, 6, 99);
      await settle();

      // Saturated, but not yet for the whole window: nothing.
      expect(await tick(G.hpa.windowSeconds / G.intervalSeconds - 1)).toEqual([]);
      const lifted = await tick(2);
      expect(lifted.sort((a, b) => a.hpa.localeCompare(b.hpa))).toEqual([
        { kind: 'lift', hpa: 'shop/ehpa-cart', outcome: 'done' },
        { kind: 'lift', hpa: 'shop/keda-hpa-api', outcome: 'done' },
        { kind: 'lift', hpa: 'shop/web', outcome: 'done' },
      ]);
      const web = await get(hpaPath('web'));
      expect(web.spec.maxReplicas).toBe(12);
      expect(web.metadata.annotations['tidemark.io/guardian-journal']).toMatch(/^guardian-h-/);
      // Owned HPAs are left to their owners; the owners carry the lifted ceiling.
      expect((await get(hpaPath('keda-hpa-api'))).spec.maxReplicas).toBe(10);
      expect(
        (await get('/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/api')).spec.maxReplicaCount,
      ).toBe(15);
      expect((await get(hpaPath('ehpa-cart'))).spec.maxReplicas).toBe(6);
      expect(
        (
          await get(
            '/apis/autoscaling.crane.io/v1alpha1/namespaces/shop/effectivehorizontalpodautoscalers/cart',
          )
        ).spec.maxReplicas,
      ).toBe(9);

      // Git agreement: one emergency PR each, outside the limits (1 open, 1 an hour), holding exactly the live value.
      await g.git!.kick();
      const pulls = fx.gh.repo(OWNER, REPO).pulls;
      expect(pulls.map((p) => [p.title, p.state])).toEqual(
        expect.arrayContaining([
          ['fix(tidemark): emergency spec.maxReplicas shop/web 8→12', 'open'],
          ['fix(tidemark): emergency spec.maxReplicaCount shop/api 10→15', 'open'],
          ['fix(tidemark): emergency spec.maxReplicas shop/cart 6→9', 'open'],
        ]),
      );
      expect(pulls).toHaveLength(3);
      const webPr = pulls.find((p) => p.title.includes('shop/web'))!;
      expect(webPr.labels).toEqual(['tidemark', 'emergency']);
      expect(decodeMarker(webPr.body)).toMatchObject({
        emergency: true,
        fields: { 'HorizontalPodAutoscaler/shop/web#spec.maxReplicas': '12' },
      });
      expect(webPr.body).toContain('8 in Git → **12** live');
      const branch = await checkout(webPr.head);
      expect(readFileSync(join(branch, 'clusters/demo/shop/web-hpa.yaml'), 'utf8')).toBe(
        FILES['clusters/demo/shop/web-hpa.yaml']!.replace('maxReplicas: 8   #', 'maxReplicas: 12   #'),
      );
      for (const other of ['clusters/demo/shop/api-scaledobject.yaml', 'clusters/demo/shop/cart-ehpa.yaml'])
        expect(readFileSync(join(branch, other), 'utf8')).toBe(FILES[other]);
      const entries = (await readJournal(cp)) as any[];
      const webEntry = entries.find((e) => e.target === 'HorizontalPodAutoscaler/shop/web');
      expect(webEntry).toMatchObject({
        action: 'lift',
        state: 'active',
        value: 12,
        previous: { maxReplicas: 8 },
        git: { before: 8, lift: { action: 'created', value: 12, pull: webPr.number } },
      });
      expect(entries.find((e) => e.target === 'HorizontalPodAutoscaler/shop/keda-hpa-api')).toMatchObject({
        via: 'ScaledObject/shop/api',
        value: 15,
      });
      // A second pass finds Git's proposal made: no new writes.
      const writes = fx.gh.writes().length;
      await g.git!.kick();
      expect(fx.gh.writes().length).toBe(writes);

      // The owners' controllers copy the ceilings; demand settles under them: no second step.
      await copyCeiling('keda-hpa-api', 15);
      await copyCeiling('ehpa-cart', 9);
      await hpaStatus('web', 11, 11, 72);
      await hpaStatus('keda-hpa-api', 12, 12, 75);
      await hpaStatus('ehpa-cart', 8, 8, 71);
      await settle();
      expect(await tick(20)).toEqual([]);

      // Git takes the web PR; then the incident ends.
      await mergeOnGitHub(webPr.number, webPr.head);
      await hpaStatus('web', 5, 5, 40);
      await hpaStatus('keda-hpa-api', 4, 4, 35);
      await hpaStatus('ehpa-cart', 3, 3, 30);
      await settle();
      expect(await tick(G.coolSeconds / G.intervalSeconds - 1)).toEqual([]);
      const restored = await tick(2);
      expect(restored.map((o) => o.kind)).toEqual(['restore', 'restore', 'restore']);
      expect((await get(hpaPath('web'))).spec.maxReplicas).toBe(8);
      expect(
        (await get(hpaPath('web'))).metadata.annotations?.['tidemark.io/guardian-journal'],
      ).toBeUndefined();
      expect(
        (await get('/apis/keda.sh/v1alpha1/namespaces/shop/scaledobjects/api')).spec.maxReplicaCount,
      ).toBe(10);

      await g.git!.kick();
      const after = fx.gh.repo(OWNER, REPO).pulls;
      const revert = after.find((p) => p.title.startsWith('fix(tidemark): restore'))!;
      expect(revert.title).toBe('fix(tidemark): restore spec.maxReplicas shop/web 12→8 after the incident');
      expect(decodeMarker(revert.body)).toMatchObject({ emergency: true, revertOf: webPr.number });
      const revertTree = await checkout(revert.head);
      expect(readFileSync(join(revertTree, 'clusters/demo/shop/web-hpa.yaml'), 'utf8')).toBe(
        FILES['clusters/demo/shop/web-hpa.yaml'],
      );
      // Never merged: closed with a word, not left to rot.
      for (const t of ['shop/api', 'shop/cart']) {
        const pr = after.find((p) => p.title.includes(` ${t} `) && p.title.includes('emergency'))!;
        expect(pr.state).toBe('closed');
        expect(fx.gh.repo(OWNER, REPO).comments.find((c) => c.issue === pr.number)?.body).toMatch(
          /no longer live/,
        );
      }
      expect(after).toHaveLength(4);
      const final = (await readJournal(cp)) as any[];
      expect(final.filter((e) => e.action === 'lift').map((e) => e.state)).toEqual([
        'reverted',
        'reverted',
        'reverted',
      ]);
      expect(final.find((e) => e.target === 'HorizontalPodAutoscaler/shop/web').git.restore).toMatchObject({
        action: 'created',
        pull: revert.number,
      });

      // The ceiling writes used exactly what deploy/guardian grants for them, and none was refused
      // (watches are audited when they end).
      stop.abort();
      await new Promise((r) => setTimeout(r, 1500));
      const used = new Set<string>();
      for (const e of cp.audit()) {
        if (e.user.username !== 'guardian-h' || e.stage !== 'ResponseComplete' || !e.objectRef) continue;
        expect(e.responseStatus?.code).not.toBe(403);
        if (/horizontalpodautoscalers|scaledobjects/.test(e.objectRef.resource ?? ''))
          used.add(`${e.objectRef.resource}:${e.verb}`);
      }
      expect([...used].sort()).toEqual(
        [
          'horizontalpodautoscalers:list',
          'horizontalpodautoscalers:watch',
          'horizontalpodautoscalers:patch',
          'scaledobjects:list',
          'scaledobjects:watch',
          'scaledobjects:patch',
          'effectivehorizontalpodautoscalers:list',
          'effectivehorizontalpodautoscalers:watch',
          'effectivehorizontalpodautoscalers:patch',
        ].sort(),
      );
    } finally {
      stop.abort();
      await g.lease.release().catch(() => undefined);
    }
  });
});
