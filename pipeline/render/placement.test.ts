/**
 * Where new objects go: only into a folder this cluster alone builds. A folder another cluster's
 * Argo CD Application or Flux Kustomization syncs, or a base another overlay takes in, is refused
 * with the builders named; the cluster's own overlay over a shared base is accepted and the object
 * is listed in that overlay's kustomization.
 */
import { parse } from 'yaml';
import { deploymentWithPods, container } from '../testing/model-fixtures.js';
import { tempRepo } from '../testing/temp-repo.js';
import { CHECKOUT_DEPLOYMENT_YAML, CHECKOUT_HPA_MANIFEST, renderDemo } from '../testing/render-fixtures.js';
import { hpaAdoptionChange } from '../testing/changes.js';
import type { WorkloadChange } from '../plan/types.js';
import type { KubeObject } from '../collect/types.js';

const repo = (files: Record<string, string>): string => tempRepo(files, 'tidemark-placement-');

const app = (name: string, path: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  source:
    repoURL: https://example.com/gitops.git
    path: ${path}
  destination:
    server: https://${name}.example.com
`;

const adopt = (): WorkloadChange => hpaAdoptionChange('shop', 'checkout', CHECKOUT_HPA_MANIFEST);

function workload(app?: string): KubeObject[] {
  return deploymentWithPods('checkout', 'shop', {
    replicas: 3,
    containers: [container({ name: 'app', cpu: '500m' })],
    ...(app
      ? { annotations: { 'argocd.argoproj.io/tracking-id': `${app}:apps/Deployment:shop/checkout` } }
      : {}),
  });
}

const render = (root: string, objects: KubeObject[], changes: WorkloadChange[]) =>
  renderDemo(root, objects, changes, { flux: undefined });

describe('render: placing new objects', () => {
  it("refuses a folder another cluster's Argo CD Application also syncs, naming it, and writes nothing", async () => {
    const root = repo({
      'apps/shop/checkout.yaml': CHECKOUT_DEPLOYMENT_YAML,
      'argocd/demo.yaml': app('shop-demo', 'apps/shop'),
      'argocd/prod.yaml': app('shop-prod', 'apps/shop'),
    });
    const result = await render(root, workload('shop-demo'), [adopt()]);
    expect(result.edits).toEqual([]);
    expect(result.skipped).toEqual([
      expect.objectContaining({ workload: 'Deployment/shop/checkout', reason: 'shared-folder' }),
    ]);
    expect(result.skipped[0]!.detail).toMatch(/HorizontalPodAutoscaler checkout would go into apps\/shop\//);
    expect(result.skipped[0]!.detail).toMatch(/Argo CD Application shop-prod \(argocd\/prod\.yaml/);
    expect(result.skipped[0]!.detail).not.toMatch(/shop-demo/);
  });

  it('refuses a kustomize base that another overlay takes in, even when only this cluster syncs it directly', async () => {
    const root = repo({
      'bases/shop/kustomization.yaml': 'resources:\n  - checkout.yaml\n',
      'bases/shop/checkout.yaml': CHECKOUT_DEPLOYMENT_YAML,
      'clusters/prod/shop/kustomization.yaml': 'resources:\n  - ../../../bases/shop\n',
      'argocd/demo.yaml': app('shop-demo', 'bases/shop'),
    });
    const result = await render(root, workload('shop-demo'), [adopt()]);
    expect(result.edits).toEqual([]);
    expect(result.skipped[0]).toMatchObject({
      reason: 'shared-folder',
      detail: expect.stringMatching(
        /bases\/shop\/, which the kustomization in clusters\/prod\/shop\/ also builds/,
      ),
    });
  });

  it("refuses the folder of a manifest found by search when another cluster's overlay lists that manifest", async () => {
    const root = repo({
      'clusters/demo/shop/checkout.yaml': CHECKOUT_DEPLOYMENT_YAML,
      'clusters/prod/shop/kustomization.yaml': 'resources:\n  - ../../demo/shop/checkout.yaml\n',
    });
    // Only the object, no hand-over: without an engine document the hand-over would refuse first.
    const change = { ...adopt(), handOver: [] } as WorkloadChange;
    const result = await render(root, workload(), [change]);
    expect(result.edits).toEqual([]);
    expect(result.skipped[0]).toMatchObject({
      reason: 'shared-folder',
      detail: expect.stringMatching(
        /clusters\/demo\/shop\/, which the kustomization in clusters\/prod\/shop\//,
      ),
    });
  });

  it("accepts the cluster's own overlay over a shared base, and lists the object in that overlay's kustomization", async () => {
    const overlay = '# demo overlay\nresources:\n  - ../../../bases/shop\n';
    const root = repo({
      'bases/shop/kustomization.yaml': 'resources:\n  - checkout.yaml\n',
      'bases/shop/checkout.yaml': CHECKOUT_DEPLOYMENT_YAML,
      'clusters/demo/shop/kustomization.yaml': overlay,
      // An aggregating kustomization in this cluster's own root is this cluster's, not a sharer.
      'clusters/demo/kustomization.yaml': 'resources:\n  - shop\n',
      'clusters/prod/shop/kustomization.yaml': 'resources:\n  - ../../../bases/shop\n',
      'argocd/demo.yaml': app('shop-demo', 'clusters/demo/shop'),
      'argocd/prod.yaml': app('shop-prod', 'clusters/prod/shop'),
    });
    const result = await render(root, workload('shop-demo'), [adopt()]);
    expect(result.skipped).toEqual([]);
    expect(result.edits.map((e) => e.path)).toEqual([
      'argocd/demo.yaml',
      'clusters/demo/shop/kustomization.yaml',
      'clusters/demo/shop/tidemark-horizontalpodautoscaler-checkout.yaml',
    ]);
    expect(result.edits[1]!.after).toBe(`${overlay}  - tidemark-horizontalpodautoscaler-checkout.yaml\n`);
    expect(parse(result.edits[2]!.after)).toEqual(CHECKOUT_HPA_MANIFEST);
    // Nothing in the shared base or the other cluster moved.
    expect(result.edits.some((e) => e.path.startsWith('bases/') || e.path.includes('prod'))).toBe(false);
  });
});
