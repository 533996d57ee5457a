/**
 * Handing a workload's replicas to its new HPA, proven on a real kube-apiserver (1.34, started for this suite):
 * apply with N replicas, scale to M through /scale as the HPA controller does, apply the PR's
 * version, assert M survives. The PR is rendered by our render stage from a real repository.
 *
 * Argo CD and Flux cannot run here, so their documented apply step is reproduced on the real API
 * server: Argo CD applies client-side (`kubectl apply`, last-applied annotation) after
 * RespectIgnoreDifferences copied the live value at each ignored pointer into the desired object;
 * Flux server-side applies as `kustomize-controller` after its ignore rule stripped a field another
 * manager owns (or adopted the live value while it is the only owner). Everything the API server
 * then does — three-way merges, managed fields, defaulting — is real. The traps the hand-over
 * avoids are shown on the same server: dropping `spec.replicas` resets to 1, and ignoreDifferences
 * without RespectIgnoreDifferences re-applies Git's N.
 */
import { execFileSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { renderDemoModel } from '../testing/render-fixtures.js';
import { modelOf, deploymentWithPods, container } from '../testing/model-fixtures.js';
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import { tempRepo } from '../testing/temp-repo.js';
import { hpaAdoptionChange } from '../testing/changes.js';
import { kubeRequest } from '../testing/control-plane/seed.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

/* eslint-disable @typescript-eslint/no-explicit-any */

const NS = `handover-${process.pid}`;
const N = 3;
const M = 7;

const deploymentYaml = (name: string, replicas: number | undefined) =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: 'app', image: 'registry.example.com/app:1.0', resources: { requests: { cpu: '500m' } } },
          ],
        },
      },
    },
  });

/** The adoption change the hpa analyzer makes, rendered by our render stage into a repo. */
async function renderAdoption(name: string, engine: 'argocd' | 'flux') {
  const root = tempRepo(
    {
      [`clusters/demo/${name}.yaml`]: deploymentYaml(name, N),
      ...(engine === 'argocd'
        ? {
            'argocd/app.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://example.com/gitops.git\n    path: clusters/demo\n  syncPolicy:\n    automated: { prune: true, selfHeal: true }\n`,
          }
        : {
            'flux/app.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  path: ./clusters/demo\n  prune: true\n`,
          }),
    },
    'tidemark-handover-',
  );
  const tracking =
    engine === 'argocd'
      ? { annotations: { 'argocd.argoproj.io/tracking-id': `app:apps/Deployment:${NS}/${name}` } }
      : {
          labels: {
            app: name,
            'kustomize.toolkit.fluxcd.io/name': 'app',
            'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
          },
        };
  const model = modelOf(
    deploymentWithPods(name, NS, {
      replicas: N,
      containers: [container({ name: 'app', cpu: '500m' })],
      ...tracking,
    }),
  );
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    },
  };
  const change = hpaAdoptionChange(NS, name, hpa);
  const result = await renderDemoModel(root, model, [change]);
  expect(result.skipped).toEqual([]);
  const file = (p: string) => result.edits.find((e) => e.path === p)?.after ?? deploymentYaml(name, N);
  return {
    deployment: parse(file(`clusters/demo/${name}.yaml`)),
    engineDoc: parse(file(engine === 'argocd' ? 'argocd/app.yaml' : 'flux/app.yaml')),
    hpa: parse(result.edits.find((e) => e.path.includes('horizontalpodautoscaler'))!.after),
  };
}

function pointerGet(o: any, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce((x, k) => x?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], o);
}
function pointerSet(o: any, pointer: string, v: unknown): void {
  const keys = pointer.split('/').slice(1);
  const last = keys.pop()!;
  const parent = keys.reduce((x, k) => (x[k] ??= {}), o);
  if (v === undefined) delete parent[last];
  else parent[last] = v;
}

describeWithControlPlane()('e2e/replicas hand-over on a real kube-apiserver', () => {
  let cp: ControlPlane;
  const kubectl = (args: string[], input?: string) =>
    execFileSync('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], { input, encoding: 'utf8' });
  const live = async (name: string) =>
    (await kubeRequest(cp, 'GET', `/apis/apps/v1/namespaces/${NS}/deployments/${name}`)).body;
  /** What the HPA controller does: PUT /scale as kube-controller-manager. */
  const hpaScales = async (name: string, replicas: number) => {
    const r = await kubeRequest(
      cp,
      'PUT',
      `/apis/apps/v1/namespaces/${NS}/deployments/${name}/scale?fieldManager=kube-controller-manager`,
      {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name, namespace: NS },
        spec: { replicas },
      },
    );
    expect(r.status).toBe(200);
  };
  /** Argo CD's sync: RespectIgnoreDifferences copies live values at ignored pointers, then kubectl apply. */
  const argoSync = async (desired: any, app: any) => {
    const d = structuredClone(desired);
    const respect = (app.spec?.syncPolicy?.syncOptions ?? []).includes('RespectIgnoreDifferences=true');
    if (respect) {
      const current = await live(d.metadata.name);
      for (const rule of app.spec.ignoreDifferences ?? []) {
        if (rule.kind !== d.kind || rule.name !== d.metadata.name) continue;
        for (const p of rule.jsonPointers ?? []) pointerSet(d, p, pointerGet(current, p));
      }
    }
    kubectl(['apply', '-f', '-'], stringify(d));
  };
  /** Flux's apply: ignore rules strip a field another manager owns, or adopt the live value. */
  const fluxApply = async (desired: any, k: any) => {
    const d = structuredClone(desired);
    const current = await live(d.metadata.name);
    for (const rule of k.spec?.ignore ?? []) {
      const t = rule.target ?? {};
      if (t.kind && t.kind !== d.kind) continue;
      if (t.name && !new RegExp(t.name).test(d.metadata.name)) continue;
      for (const p of rule.paths ?? []) {
        const field = `f:${p.split('/').slice(1).join('/f:')}`.split('/');
        const ownedByOthers = (current.metadata.managedFields ?? []).some((mf: any) => {
          if (mf.manager === 'kustomize-controller') return false;
          let node = mf.fieldsV1;
          for (const f of field) node = node?.[f];
          return node !== undefined;
        });
        pointerSet(d, p, ownedByOthers ? undefined : pointerGet(current, p));
      }
    }
    kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=kustomize-controller', '-f', '-'],
      stringify(d),
    );
  };

  // A control plane of its own: the objects these tests write must not show up in the shared,
  // seeded cluster other suites compare with the demo snapshot.
  beforeAll(async () => {
    cp = await startControlPlane();
    kubectl(['create', 'namespace', NS]);
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('Argo CD: with ignoreDifferences + RespectIgnoreDifferences the HPA keeps its M replicas across a sync', async () => {
    const pr = await renderAdoption('argo-web', 'argocd');
    expect(pr.deployment.spec.replicas).toBe(N); // the PR leaves spec.replicas in Git
    kubectl(['apply', '-f', '-'], deploymentYaml('argo-web', N)); // the sync before the PR
    await hpaScales('argo-web', M);
    await argoSync(pr.deployment, pr.engineDoc);
    kubectl(['apply', '-f', '-'], stringify(pr.hpa)); // the HPA itself is accepted by the API server
    expect((await live('argo-web')).spec.replicas).toBe(M);
    // and again on the next self-heal
    await argoSync(pr.deployment, pr.engineDoc);
    expect((await live('argo-web')).spec.replicas).toBe(M);
  });

  it('Argo CD traps, on the same server: ignoreDifferences alone re-applies N; dropping spec.replicas resets to 1', async () => {
    const pr = await renderAdoption('argo-trap', 'argocd');
    kubectl(['apply', '-f', '-'], deploymentYaml('argo-trap', N));
    await hpaScales('argo-trap', M);
    const withoutRespect = structuredClone(pr.engineDoc);
    withoutRespect.spec.syncPolicy.syncOptions = [];
    await argoSync(pr.deployment, withoutRespect);
    expect((await live('argo-trap')).spec.replicas).toBe(N);
    await hpaScales('argo-trap', M);
    kubectl(['apply', '-f', '-'], deploymentYaml('argo-trap', undefined));
    expect((await live('argo-trap')).spec.replicas).toBe(1);
  });

  it('Flux: the ignore rule hands replicas to the HPA controller, whether or not it has changed them yet', async () => {
    const pr = await renderAdoption('flux-web', 'flux');
    const ssa = (text: string) =>
      kubectl(
        ['apply', '--server-side', '--force-conflicts', '--field-manager=kustomize-controller', '-f', '-'],
        text,
      );
    ssa(deploymentYaml('flux-web', N));
    await hpaScales('flux-web', M);
    await fluxApply(pr.deployment, pr.engineDoc);
    expect((await live('flux-web')).spec.replicas).toBe(M);
    // the HPA has not moved replicas yet: Flux is still the only owner, adopts the live value
    ssa(deploymentYaml('flux-idle', N));
    await hpaScales('flux-idle', N);
    const idle = await renderAdoption('flux-idle', 'flux');
    await fluxApply(idle.deployment, idle.engineDoc);
    expect((await live('flux-idle')).spec.replicas).toBe(N);
    // the trap: Flux applying a Git without spec.replicas while it owns the field resets to 1
    ssa(deploymentYaml('flux-idle', undefined));
    expect((await live('flux-idle')).spec.replicas).toBe(1);
  });

  it('drops per-HPA tolerance on 1.34 (alpha, off): why the analyzer renders it only from 1.35', async () => {
    const r = await kubeRequest(
      cp,
      'POST',
      `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers?dryRun=All`,
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'tolerance-probe', namespace: NS },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'x' },
          maxReplicas: 3,
          behavior: { scaleUp: { tolerance: '0.05' } },
        },
      },
    );
    expect(r.status).toBe(201);
    expect(r.body.spec.behavior.scaleUp.tolerance).toBeUndefined();
  });
});
