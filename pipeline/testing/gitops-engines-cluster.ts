/**
 * A real kube-apiserver holding the GitOps engines' own objects: our minimal structural CRDs for
 * Argo CD's Application and Flux's Kustomization and HelmRelease (fixtures/crds/gitops-engines.yaml),
 * the pipeline's read-only role (deploy/rbac) bound to the user `reader`, and the engines' objects
 * created as their controllers leave them (a layout's workloads: control-plane/seed.ts).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';
import type { KubeObject } from '../collect/types.js';
import { startControlPlane, type ControlPlane } from './control-plane/index.js';
import { bindReadOnlyRole, kubeRequest } from './control-plane/seed.js';

const PLURAL: Record<string, string> = {
  Application: 'applications',
  Kustomization: 'kustomizations',
  HelmRelease: 'helmreleases',
};

export async function startGitOpsEnginesCluster(): Promise<ControlPlane> {
  const cp = await startControlPlane({ users: { reader: [] } });
  try {
    const kubectl = (...args: string[]): void => {
      execFileSync('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    };
    kubectl('apply', '-f', join(packageRoot(), 'fixtures', 'crds', 'gitops-engines.yaml'));
    kubectl(
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/applications.argoproj.io',
      'crd/kustomizations.kustomize.toolkit.fluxcd.io',
      'crd/helmreleases.helm.toolkit.fluxcd.io',
    );
    // Established is not served yet: a new resource's watch cache answers 429 until it has
    // started. Wait for it here, so a suite counts only its own requests.
    for (const path of [
      '/apis/argoproj.io/v1alpha1/applications',
      '/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations',
      '/apis/helm.toolkit.fluxcd.io/v2/helmreleases',
    ]) {
      const deadline = Date.now() + 30_000;
      while ((await kubeRequest(cp, 'GET', `${path}?resourceVersion=0`)).status !== 200) {
        if (Date.now() > deadline)
          throw new Error(`${path} is not served 30 s after its CRD was established`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    bindReadOnlyRole(cp, packageRoot(), 'reader');
    return cp;
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

/** Creates engine objects as their controllers leave them: the object, then its status. */
export async function createEngineObjects(cp: ControlPlane, objects: KubeObject[]): Promise<void> {
  for (const ns of new Set(objects.map((o) => o.metadata.namespace!))) {
    const r = await kubeRequest(cp, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    if (r.status >= 300 && r.status !== 409) throw new Error(`creating namespace ${ns}: HTTP ${r.status}`);
  }
  for (const o of objects) {
    const plural = PLURAL[o.kind];
    if (!plural) throw new Error(`not an engine kind: ${o.kind}`);
    const path = `/apis/${o.apiVersion}/namespaces/${o.metadata.namespace}/${plural}`;
    const created = await kubeRequest(cp, 'POST', path, o);
    if (created.status >= 300)
      throw new Error(
        `creating ${o.kind} ${o.metadata.namespace}/${o.metadata.name}: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 400)}`,
      );
    // Flux's kinds keep status in a subresource (the Application has none: it was created with it).
    if (o.status && o.kind !== 'Application') {
      const st = await kubeRequest(cp, 'PUT', `${path}/${o.metadata.name}/status`, {
        ...created.body,
        status: o.status,
      });
      if (st.status >= 300)
        throw new Error(`setting the status of ${o.kind} ${o.metadata.name}: HTTP ${st.status}`);
    }
  }
}
