/**
 * Seeds a bare API server from a snapshot fixture (the demo's, by default): namespaces, nodes,
 * workloads, ReplicaSets and Pods with owner references rewritten to the new UIDs, HPAs, PDBs,
 * LimitRanges, ResourceQuotas — and their `status`, which no controller writes here.
 */
import { request } from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ControlPlane } from './index.js';
import { readSnapshot } from '../../collect/snapshot/index.js';
import type { KubeObject } from '../../collect/types.js';

const ORDER = [
  'Namespace',
  'Node',
  'PriorityClass',
  'LimitRange',
  'ResourceQuota',
  'ConfigMap',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'CronJob',
  'ReplicaSet',
  'Job',
  'Pod',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
];

const PLURAL: Record<string, string> = {
  Namespace: 'namespaces',
  Node: 'nodes',
  PriorityClass: 'priorityclasses',
  LimitRange: 'limitranges',
  ResourceQuota: 'resourcequotas',
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
  CronJob: 'cronjobs',
  ReplicaSet: 'replicasets',
  Job: 'jobs',
  Pod: 'pods',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  PodDisruptionBudget: 'poddisruptionbudgets',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
};

export function apiPath(o: {
  apiVersion: string;
  kind: string;
  metadata: { namespace?: string; name?: string };
}): string {
  const base = o.apiVersion.includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : '';
  return `${base}${ns}/${PLURAL[o.kind]}`;
}

export async function kubeRequest(
  cp: Pick<ControlPlane, 'server' | 'caFile' | 'adminToken'>,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const ca = readFileSync(cp.caFile);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cp.server),
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${cp.adminToken}`,
          'content-type': contentType,
          accept: 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Creates every object of the snapshot; returns how many of each kind. */
export async function seedFromSnapshot(
  cp: Pick<ControlPlane, 'server' | 'caFile' | 'adminToken'>,
  dir: string,
): Promise<Record<string, number>> {
  const { objects } = readSnapshot(dir);
  const namespaces = new Set(objects.map((o) => o.metadata.namespace).filter(Boolean) as string[]);
  const all: KubeObject[] = [
    ...[...namespaces]
      .filter((ns) => !['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(ns))
      .filter((ns) => !objects.some((o) => o.kind === 'Namespace' && o.metadata.name === ns))
      .map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })),
    ...objects,
  ];
  const uids = new Map<string, string>();
  const counts: Record<string, number> = {};
  for (const kind of ORDER) {
    for (const o of all.filter((x) => x.kind === kind)) {
      if (
        kind === 'Namespace' &&
        ['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(o.metadata.name)
      )
        continue;
      const { uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = o.metadata;
      const ownerReferences = o.metadata.ownerReferences?.map((r) => ({
        ...r,
        uid:
          uids.get(`${r.kind}/${o.metadata.namespace}/${r.name}`) ??
          r.uid ??
          '00000000-0000-0000-0000-000000000000',
      }));
      const body = { ...o, metadata: { ...meta, ...(ownerReferences ? { ownerReferences } : {}) } };
      const created = await kubeRequest(cp, 'POST', apiPath(o), body);
      if (created.status >= 300)
        throw new Error(
          `seeding ${kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`,
        );
      uids.set(`${kind}/${o.metadata.namespace}/${o.metadata.name}`, created.body.metadata.uid);
      if (o.status && kind !== 'Namespace') {
        const path = `${apiPath(o)}/${o.metadata.name}/status`;
        const st = await kubeRequest(cp, 'PUT', path, { ...created.body, status: o.status });
        if (st.status >= 300)
          throw new Error(
            `seeding ${kind} status: HTTP ${st.status} ${JSON.stringify(st.body).slice(0, 300)}`,
          );
      }
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * The cluster the read tests expect: the demo seeded, plus a Secret and an Ingress, the namespace
 * `tidemark` with deploy/rbac applied, and its ClusterRole bound to the static user `reader`.
 */
export async function prepareReadableCluster(cp: ControlPlane, root: string): Promise<void> {
  await seedFromSnapshot(cp, join(root, 'fixtures', 'demo', 'cluster'));
  await kubeRequest(cp, 'POST', '/api/v1/namespaces/shop/secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db-password', namespace: 'shop' },
    stringData: { password: 'hunter2-never-read' },
  });
  await kubeRequest(cp, 'POST', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
    spec: {
      rules: [
        {
          host: 'shop.example.com',
          http: {
            paths: [
              { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
            ],
          },
        },
      ],
    },
  });
  // One CRD-backed kind, so discovery-driven reads are exercised: a VerticalPodAutoscaler.
  const crd = await kubeRequest(cp, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: 'verticalpodautoscalers.autoscaling.k8s.io',
      // *.k8s.io groups need it; the real VPA CRD carries the same.
      annotations: { 'api-approved.kubernetes.io': 'https://github.com/kubernetes/kubernetes/pull/63797' },
    },
    spec: {
      group: 'autoscaling.k8s.io',
      scope: 'Namespaced',
      names: {
        plural: 'verticalpodautoscalers',
        singular: 'verticalpodautoscaler',
        kind: 'VerticalPodAutoscaler',
        shortNames: ['vpa'],
      },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  if (crd.status >= 300) throw new Error(`creating the VPA CRD: HTTP ${crd.status}`);
  for (let i = 0; i < 100; i++) {
    const vpa = await kubeRequest(
      cp,
      'POST',
      '/apis/autoscaling.k8s.io/v1/namespaces/shop/verticalpodautoscalers',
      {
        apiVersion: 'autoscaling.k8s.io/v1',
        kind: 'VerticalPodAutoscaler',
        metadata: { name: 'search', namespace: 'shop' },
        spec: {
          targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'search' },
          updatePolicy: { updateMode: 'Off' },
        },
      },
    );
    if (vpa.status < 300) break;
    await new Promise((r) => setTimeout(r, 100)); // the CRD is not Established yet
  }
  bindReadOnlyRole(cp, root, 'reader');
}

/**
 * The pipeline's read-only role as shipped (deploy/rbac, built with kubectl kustomize) applied in
 * its namespace `tidemark`, and its ClusterRole bound to a static-token user.
 */
export function bindReadOnlyRole(
  cp: Pick<ControlPlane, 'dir' | 'kubeconfig'>,
  root: string,
  user: string,
): void {
  const rbac = execFileSync('kubectl', ['kustomize', join(root, 'deploy', 'rbac')], { encoding: 'utf8' });
  writeFileSync(join(cp.dir, 'rbac.yaml'), rbac);
  const kubectl = (...args: string[]): void => {
    execFileSync('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  };
  kubectl('create', 'namespace', 'tidemark');
  kubectl('apply', '-f', join(cp.dir, 'rbac.yaml'));
  kubectl(
    'create',
    'clusterrolebinding',
    `${user}-is-tidemark`,
    '--clusterrole=tidemark-read',
    `--user=${user}`,
  );
}
