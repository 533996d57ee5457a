/**
 * A memory raise that must outlive the next rollout: on a real kube-apiserver, a real git remote
 * and the contract-checked GitHub fake. One pod of a Deployment raised: nothing proposed yet (a
 * pod is not in Git, and 2 h have not passed); the second pod of the same Deployment raised: an
 * emergency PR makes Git hold the resized memory, a byte-minimal edit of the Deployment's
 * manifest. When both raises are rolled back, the PR Git never took is closed. A lone pod's raise
 * live for 2 h is proposed too; once merged, the commit's Tidemark-Change trailers are what the
 * next plan reads as history, and rolling the pod back leaves the merged raise in Git.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import {
  kubectlFor,
  prepareGuardianCluster,
  readJournal,
  ScriptedUsage,
  TestClock,
} from '../testing/guardian-cluster.js';
import { createRunningPod, writeKubeletStatus } from '../testing/kubelet-status.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import { startGitOpsFixture, type GitOpsFixture } from '../testing/gitops-fixture.js';
import { allowSlowTests } from '../testing/slow.js';
import { silentLogger } from '../core/logger.js';
import { clearRegisteredSecrets } from '../core/sanitize.js';
import { connect } from '../collect/kubernetes/connect.js';
import { decodeMarker } from '../publish/pr/marker.js';
import { readChangeHistory } from '../collect/git-history/index.js';
import { createKubeApi } from './kube/api.js';
import { Guardian } from './controller.js';
import { GUARDIAN_DEFAULTS } from './settings.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

allowSlowTests();

const TOKEN = 'ghs_guardianresizetoken_0123456789';
const OWNER = 'acme';
const REPO = 'gitops';
const Mi = 2 ** 20;
const G = { ...GUARDIAN_DEFAULTS, poolLabel: 'pool' };
const WEB = `# web: the storefront
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: app
          image: registry.example.com/web:1
          resources:
            requests: {cpu: 250m, memory: 512Mi}   # sized in October
            limits: {memory: 1Gi}
`;
const CART = WEB.replace(/web/g, 'cart');
const FILES = { 'clusters/demo/shop/web.yaml': WEB, 'clusters/demo/shop/cart.yaml': CART };

describeWithControlPlane()('guardian: memory raises made to agree with Git', () => {
  let cp: ControlPlane;
  let fx: GitOpsFixture;

  beforeAll(async () => {
    clearRegisteredSecrets();
    cp = await startControlPlane({ users: { 'guardian-g': [] } });
    await prepareGuardianCluster(cp, ['guardian-g'], 2);
    kubectlFor(cp)(['create', 'namespace', 'shop']);
    for (const [name, node] of [
      ['web-7d9c8f-aaaaa', 'node-0'],
      ['web-7d9c8f-bbbbb', 'node-1'],
    ] as const)
      await createRunningPod(cp, {
        namespace: 'shop',
        name,
        node,
        containers: [{ name: 'app', requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } }],
        owner: { kind: 'ReplicaSet', name: 'web-7d9c8f', hash: '7d9c8f' },
      });
    await createRunningPod(cp, {
      namespace: 'shop',
      name: 'cart-5b6c7d-aaaaa',
      node: 'node-0',
      containers: [{ name: 'app', requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } }],
      owner: { kind: 'ReplicaSet', name: 'cart-5b6c7d', hash: '5b6c7d' },
    });
    fx = await startGitOpsFixture({ token: TOKEN, owner: OWNER, repo: REPO, files: FILES });
  });

  afterAll(async () => {
    await fx?.close();
    await cp?.stop();
  });

  /** GitHub's merge button: a merge commit of the PR's branch on main. */
  async function mergeOnGitHub(number: number, branch: string): Promise<string> {
    const dir = await checkout('main');
    const g = simpleGit({ baseDir: dir, config: ['user.name=GitHub', 'user.email=noreply@github.com'] });
    await g.fetch('origin', branch);
    await g.raw(['merge', '--no-ff', '-m', `Merge pull request #${number}`, 'FETCH_HEAD']);
    await g.push('origin', 'main');
    fx.gh.human.mergePull(OWNER, REPO, number);
    return dir;
  }

  async function checkout(branch: string): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'resize-git-'));
    await simpleGit().clone(fx.git.repoUrl(OWNER, REPO).replace('http://', `http://x:${TOKEN}@`), dir, [
      '--branch',
      branch,
    ]);
    return dir;
  }

  it('proposes the resized memory once two pods of the Deployment needed it, and closes the PR when both are rolled back', async () => {
    const clock = new TestClock();
    const usage = new ScriptedUsage(clock);
    const g = new Guardian({
      api: createKubeApi(await connect({ kubeconfig: cp.kubeconfigFor('guardian-g') } as any)),
      usage,
      clock,
      logger: silentLogger,
      settings: G,
      identity: 'guardian-g',
      publisher: fx.publisher({ prConcurrentLimit: 1, prHourlyLimit: 1 }),
    });
    const stop = new AbortController();
    await g.start(stop.signal);
    const ticks = async (n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        clock.t += G.intervalSeconds * 1000;
        out.push(...(await g.tick()).resizes);
      }
      return out;
    };
    /** The kubelet carries the resize out; the watch brings it. */
    const applied = async (name: string) => {
      await writeKubeletStatus(cp, 'shop', name, { applied: true });
      const deadline = Date.now() + 10_000;
      while (g.pods.cache.get(`shop/${name}`)?.containers[0]?.applied && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await ticks(1);
    };
    const pulls = () => fx.gh.repo(OWNER, REPO).pulls;
    try {
      while (!g.pods.cache.has('shop/web-7d9c8f-bbbbb')) await new Promise((r) => setTimeout(r, 20));
      usage.workingSet.set('shop/web-7d9c8f-aaaaa/app', 980 * Mi);
      expect((await ticks(11)).map((o) => [o.pod, o.outcome])).toEqual([['shop/web-7d9c8f-aaaaa', 'done']]);
      await applied('web-7d9c8f-aaaaa');
      // One pod, live for minutes: the pod differs from its template, but nothing is owed to Git yet.
      await g.git!.kick();
      expect(pulls()).toEqual([]);

      usage.workingSet.set('shop/web-7d9c8f-bbbbb/app', 980 * Mi);
      expect((await ticks(11)).map((o) => [o.pod, o.outcome])).toEqual([['shop/web-7d9c8f-bbbbb', 'done']]);
      await applied('web-7d9c8f-bbbbb');
      await g.git!.kick();
      expect(pulls().map((p) => [p.title, p.state, p.labels])).toEqual([
        [
          'fix(tidemark): emergency spec.template.spec.containers[name=app].resources.limits.memory shop/web 1Gi→1280Mi',
          'open',
          ['tidemark', 'emergency'],
        ],
      ]);
      const pr = pulls()[0]!;
      expect(decodeMarker(pr.body)).toMatchObject({
        emergency: true,
        fields: {
          'Deployment/shop/web#spec.template.spec.containers[name=app].resources.limits.memory': '1280Mi',
          'Deployment/shop/web#spec.template.spec.containers[name=app].resources.requests.memory': '640Mi',
        },
      });
      expect(pr.body).toContain('1Gi in Git → **1280Mi** live');
      expect(pr.body).toContain('512Mi in Git → **640Mi** live');
      expect(pr.body).toMatch(/memory raised in place on 2 pods of Deployment shop\/web/);
      const tree = await checkout(pr.head);
      expect(readFileSync(join(tree, 'clusters/demo/shop/web.yaml'), 'utf8')).toBe(
        WEB.replace('memory: 512Mi}   #', 'memory: 640Mi}   #').replace(
          'limits: {memory: 1Gi}',
          'limits: {memory: 1280Mi}',
        ),
      );
      const raised = ((await readJournal(cp)) as any[]).filter((e) => e.action === 'resize');
      expect(raised.map((e) => [e.target, e.git?.lift?.action, e.git?.lift?.pull])).toEqual([
        ['Pod/shop/web-7d9c8f-aaaaa', 'created', pr.number],
        ['Pod/shop/web-7d9c8f-bbbbb', 'created', pr.number],
      ]);
      // Proposed once: a second pass writes nothing.
      const writes = fx.gh.writes().length;
      await g.git!.kick();
      expect(fx.gh.writes().length).toBe(writes);

      // Both working sets fall; both raises are rolled back; Git never took the PR: it is closed.
      usage.workingSet.set('shop/web-7d9c8f-aaaaa/app', 400 * Mi);
      usage.workingSet.set('shop/web-7d9c8f-bbbbb/app', 400 * Mi);
      const back = await ticks(12 + 60);
      expect(back.map((o) => [o.kind, o.pod, o.outcome]).sort()).toEqual([
        ['rollback', 'shop/web-7d9c8f-aaaaa', 'done'],
        ['rollback', 'shop/web-7d9c8f-bbbbb', 'done'],
      ]);
      await g.git!.kick();
      expect(pulls().map((p) => [p.number, p.state])).toEqual([[pr.number, 'closed']]);
      expect(fx.gh.repo(OWNER, REPO).comments.find((c) => c.issue === pr.number)?.body).toMatch(
        /no longer live/,
      );
      const final = ((await readJournal(cp)) as any[]).filter((e) => e.action === 'resize');
      expect(final.map((e) => [e.state, e.git?.restore?.action, e.git?.restore?.closed])).toEqual([
        ['reverted', 'git-agrees', pr.number],
        ['reverted', 'git-agrees', pr.number],
      ]);
    } finally {
      stop.abort();
      await g.lease.release().catch(() => undefined);
    }
  });
  it('proposes a lone raise live for 2 h; merged, the next plan reads it as history, and a rollback leaves it in Git', async () => {
    // A later hour than the first test: its raises are past the per-node cap's hour.
    const clock = new TestClock(Date.parse('2026-12-01T18:00:00Z'));
    const usage = new ScriptedUsage(clock);
    const g = new Guardian({
      api: createKubeApi(await connect({ kubeconfig: cp.kubeconfigFor('guardian-g') } as any)),
      usage,
      clock,
      logger: silentLogger,
      settings: G,
      identity: 'guardian-g',
      publisher: fx.publisher({ prConcurrentLimit: 5, prHourlyLimit: 5 }),
    });
    const stop = new AbortController();
    await g.start(stop.signal);
    const ticks = async (n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) {
        clock.t += G.intervalSeconds * 1000;
        out.push(...(await g.tick()).resizes);
      }
      return out;
    };
    const pulls = () => fx.gh.repo(OWNER, REPO).pulls.filter((p) => p.title.includes('shop/cart'));
    try {
      while (!g.pods.cache.has('shop/cart-5b6c7d-aaaaa')) await new Promise((r) => setTimeout(r, 20));
      usage.workingSet.set('shop/cart-5b6c7d-aaaaa/app', 980 * Mi);
      expect((await ticks(11)).map((o) => [o.pod, o.outcome])).toEqual([['shop/cart-5b6c7d-aaaaa', 'done']]);
      await writeKubeletStatus(cp, 'shop', 'cart-5b6c7d-aaaaa', { applied: true });
      const deadline = Date.now() + 10_000;
      while (g.pods.cache.get('shop/cart-5b6c7d-aaaaa')?.containers[0]?.applied && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      await ticks(1);
      const done = ((await readJournal(cp)) as any[]).find(
        (e) => e.action === 'resize' && e.target === 'Pod/shop/cart-5b6c7d-aaaaa',
      );
      expect(done.revision.status).toBe('done');
      // 7,199 s after the kubelet's answer: not yet; 7,200 s: owed to Git.
      clock.t = (done.revision.statusAt + 7199) * 1000;
      await g.git!.kick();
      expect(pulls()).toEqual([]);
      clock.t += 1000;
      await g.git!.kick();
      expect(pulls().map((p) => [p.title, p.state])).toEqual([
        [
          'fix(tidemark): emergency spec.template.spec.containers[name=app].resources.limits.memory shop/cart 1Gi→1280Mi',
          'open',
        ],
      ]);
      const pr = pulls()[0]!;
      expect(pr.body).toMatch(/a memory raise live for 120 min on Deployment shop\/cart/);

      const main = await mergeOnGitHub(pr.number, pr.head);
      expect(readFileSync(join(main, 'clusters/demo/shop/cart.yaml'), 'utf8')).toBe(
        CART.replace('memory: 512Mi}   #', 'memory: 640Mi}   #').replace(
          'limits: {memory: 1Gi}',
          'limits: {memory: 1280Mi}',
        ),
      );
      // What the next plan's collect step reads: Tidemark's last change to each memory field.
      const history = await readChangeHistory(main, { since: 0 });
      expect(history.map((h) => [h.workload, h.field, h.from, h.to])).toEqual([
        ['Deployment/shop/cart', 'container/app/limits/memory', '1Gi', '1280Mi'],
        ['Deployment/shop/cart', 'container/app/requests/memory', '512Mi', '640Mi'],
      ]);

      // The working set falls and the pod is rolled back; the merged raise stays in Git.
      usage.workingSet.set('shop/cart-5b6c7d-aaaaa/app', 400 * Mi);
      const back = await ticks(12 + 60);
      expect(back.map((o) => [o.kind, o.pod, o.outcome])).toEqual([
        ['rollback', 'shop/cart-5b6c7d-aaaaa', 'done'],
      ]);
      const writes = fx.gh.writes().length;
      await g.git!.kick();
      expect(fx.gh.writes().length).toBe(writes);
      expect(pulls().map((p) => [p.number, p.state, p.merged])).toEqual([[pr.number, 'closed', true]]);
      const final = ((await readJournal(cp)) as any[]).find((e) => e.id === done.id);
      expect([final.state, final.git?.restore?.action]).toEqual(['reverted', 'unchanged']);
      expect(final.git.restore.detail).toMatch(/merged\): kept; the next plan right-sizes it/);
    } finally {
      stop.abort();
      await g.lease.release().catch(() => undefined);
    }
  });
});
