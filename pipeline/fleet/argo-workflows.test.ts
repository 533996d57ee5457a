/**
 * deploy/argo-workflows: the CronWorkflow that lists the fleet and fans out one `tidemark run
 * --cluster` step per cluster. Built with kustomize; its steps agree with the CLI (the list a
 * withParam reads, each cluster's state folder on its own volume); accepted by a real
 * kube-apiserver with Argo Workflows' CRDs installed (server-side dry run, strict field
 * validation) and by Argo Workflows' JSON Schema. Argo's files are read from outside the
 * repository (pipeline/testing/argo-workflows.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parse, parseAllDocuments, stringify } from 'yaml';
import Ajv2020Module from 'ajv/dist/2020.js';
import { packageRoot, getValidator } from '../core/json-schema.js';
import { runDecision } from '../testing/tiers.js';
import { argoWorkflowsFiles, ARGO_WORKFLOWS_MISSING } from '../testing/argo-workflows.js';
import { startControlPlane, type ControlPlane } from '../testing/control-plane/index.js';
import { allowSlowTests } from '../testing/slow.js';
import { listClusters } from './clusters.js';
import { stateDirOf } from './state.js';
import { loadConfig } from '../config/load.js';

allowSlowTests();

/* eslint-disable @typescript-eslint/no-explicit-any */
// ajv is CommonJS; under NodeNext its default export arrives wrapped (as in core/json-schema.ts).
const Ajv2020: new (o: object) => any = (Ajv2020Module as any).default ?? Ajv2020Module;
const root = packageRoot();
const built = (): any[] =>
  parseAllDocuments(
    execFileSync('kubectl', ['kustomize', join(root, 'deploy', 'argo-workflows')], { encoding: 'utf8' }),
  ).map((d) => d.toJS());
const cronWorkflow = (): any => built().find((o) => o.kind === 'CronWorkflow');
const template = (cw: any, name: string): any =>
  cw.spec.workflowSpec.templates.find((t: any) => t.name === name);
const files = argoWorkflowsFiles();
if (!files)
  process.stdout.write(`argo-workflows.test: skipped the Argo Workflows checks: ${ARGO_WORKFLOWS_MISSING}\n`);

describe('deploy/argo-workflows', () => {
  it('lists the clusters with the CLI and fans out one run --cluster step per listed cluster', () => {
    const cw = cronWorkflow();
    expect(cw.spec.concurrencyPolicy).toBe('Forbid');
    const fleet = template(cw, 'fleet');
    const [[list], [fan]] = fleet.steps;
    expect(template(cw, list.template).container.args).toEqual([
      'clusters',
      '--config',
      '/etc/tidemark/tidemark.yaml',
      '--json',
    ]);
    expect(fan.withParam).toBe(`{{steps.${list.name}.outputs.result}}`);
    expect(fan.arguments.parameters).toEqual([{ name: 'name', value: '{{item.name}}' }]);
    expect(fan.continueOn).toEqual({ failed: true });
    const run = template(cw, 'run').container;
    expect(run.args).toEqual([
      'run',
      '--config',
      '/etc/tidemark/tidemark.yaml',
      '--cluster',
      '{{inputs.parameters.name}}',
      '--out',
      '/tmp/tidemark-out',
    ]);
    // The read-only role: the pods run as the ServiceAccount deploy/rbac binds to tidemark-read.
    expect(cw.spec.workflowSpec.serviceAccountName).toBe('tidemark');
    const binding = built().find((o) => o.kind === 'ClusterRoleBinding');
    expect(binding.roleRef.name).toBe('tidemark-read');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'tidemark', namespace: 'tidemark' }]);
  });

  it("each cluster's step mounts its own claim at that cluster's state folder, and the list step prints the items it reads", () => {
    const objs = built();
    const cm = objs.find((o) => o.kind === 'ConfigMap');
    const cw = cronWorkflow();
    expect(cw.spec.workflowSpec.volumes.find((v: any) => v.name === 'config').configMap.name).toBe(
      cm.metadata.name,
    );
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-argo-'));
    writeFileSync(join(dir, 'tidemark.yaml'), cm.data['tidemark.yaml']);
    expect(getValidator('https://tidemark.io/schemas/config.json')(parse(cm.data['tidemark.yaml']))).toBe(
      true,
    );
    const clusters = listClusters(join(dir, 'tidemark.yaml'), { cwd: dir });
    expect(clusters.map((c) => c.name)).toEqual(['prod-eu', 'prod-us']);
    const run = template(cw, 'run');
    const claim = template(cw, 'state-claim');
    for (const c of clusters) {
      const sub = (s: string): string => s.replaceAll('{{inputs.parameters.name}}', c.name);
      const mount = run.container.volumeMounts.find((m: any) => m.name === 'state');
      expect(sub(mount.mountPath)).toBe(c.state);
      // The config as the pod loads it puts this cluster's state exactly there.
      const pvc = parse(sub(claim.resource.manifest));
      expect(pvc.metadata.name).toBe(
        sub(run.volumes.find((v: any) => v.name === 'state').persistentVolumeClaim.claimName),
      );
      expect(pvc.metadata.namespace).toBe(cw.metadata.namespace);
    }
    mkdirSync(join(dir, 'kc'));
    writeFileSync(join(dir, 'kc', 'prod-us'), 'apiVersion: v1\nkind: Config\n');
    const config = loadConfig(
      (writeFileSync(
        join(dir, 'local.yaml'),
        cm.data['tidemark.yaml'].replace('/etc/tidemark-kubeconfigs/', 'kc/'),
      ),
      join(dir, 'local.yaml')),
    );
    expect(stateDirOf(config, 'prod-us')).toBe('/var/lib/tidemark/state/prod-us');
    // The Role grants what the executor and the claim step need, and nothing cluster-wide.
    const role = objs.find((o) => o.kind === 'Role');
    expect(role.rules).toEqual([
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['get', 'create', 'patch'] },
    ]);
  });

  (files ? it : it.skip)(
    "is valid against Argo Workflows' JSON Schema, which catches a wrong field type",
    () => {
      const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
      const schema = JSON.parse(readFileSync(files!.schema, 'utf8'));
      ajv.addSchema(schema);
      // The CronWorkflow branch of the schema's oneOf, so its errors are the ones reported.
      const validate = ajv.getSchema(
        `${schema.$id}#/definitions/io.argoproj.workflow.v1alpha1.CronWorkflow`,
      )!;
      const cw = cronWorkflow();
      const ok = validate(cw);
      expect(ok ? [] : validate.errors!.slice(0, 5)).toEqual([]);
      const broken = structuredClone(cw);
      broken.spec.schedules = '17 6 * * 1-5';
      expect(validate(broken)).toBe(false);
    },
  );

  const withKube = files && runDecision().tiers.kube.ok ? describe : describe.skip;
  withKube("on a real kube-apiserver with Argo Workflows' CRDs", () => {
    let cp: ControlPlane;
    const kubectl = (...args: string[]) =>
      spawnSync('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], {
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      });

    beforeAll(async () => {
      cp = await startControlPlane();
      for (const crd of files!.crds.filter((f) => /cronworkflows|workflowtaskresults/.test(f))) {
        const r = kubectl('apply', '--server-side', '-f', crd);
        if (r.status !== 0) throw new Error(`installing ${crd}: ${r.stderr}`);
      }
      // Established within a second or two; `kubectl wait` fails while the CRD has no conditions yet.
      for (let i = 0; ; i++) {
        const c = kubectl(
          'get',
          'crd/cronworkflows.argoproj.io',
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Established")].status}',
        );
        if (c.stdout === 'True') break;
        if (i > 300) throw new Error(`CronWorkflow CRD not established: ${c.stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }, 120_000);

    afterAll(async () => {
      await cp?.stop();
    });

    it('every object passes a server-side dry run with strict field validation, and comes back as sent', () => {
      const dir = mkdtempSync(join(tmpdir(), 'tidemark-argo-'));
      const objs = built();
      const ns = objs.find((o) => o.kind === 'Namespace');
      writeFileSync(join(dir, 'ns.yaml'), stringify(ns));
      expect(kubectl('create', '-f', join(dir, 'ns.yaml')).status).toBe(0);
      writeFileSync(join(dir, 'all.yaml'), objs.map((o) => stringify(o)).join('---\n'));
      const r = kubectl(
        'apply',
        '--server-side',
        '--dry-run=server',
        '--validate=strict',
        '-f',
        join(dir, 'all.yaml'),
        '-o',
        'json',
      );
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const returned = JSON.parse(r.stdout);
      const items: any[] = returned.kind === 'List' ? returned.items : [returned];
      expect(items.map((o) => o.kind).sort()).toEqual(objs.map((o) => o.kind).sort());
      // Nothing of the CronWorkflow was pruned by the CRD's schema.
      const cw = items.find((o) => o.kind === 'CronWorkflow');
      expect(cw.spec).toEqual(cronWorkflow().spec);
      // A dry run: nothing was stored.
      expect(kubectl('get', 'cronworkflows', '-n', 'tidemark', '-o', 'name').stdout).toBe('');
    });

    it("the workflow's pods may read the inventory, report their steps and create their state claims, and nothing else", () => {
      const dir = mkdtempSync(join(tmpdir(), 'tidemark-argo-'));
      const rbac = built().filter((o) => /Role|ServiceAccount|Namespace/.test(o.kind));
      writeFileSync(join(dir, 'rbac.yaml'), rbac.map((o) => stringify(o)).join('---\n'));
      const applied = kubectl('apply', '--server-side', '-f', join(dir, 'rbac.yaml'));
      expect(applied.stderr).toBe('');
      const can = (...args: string[]): string =>
        kubectl('auth', 'can-i', '--as', 'system:serviceaccount:tidemark:tidemark', ...args).stdout.trim();
      expect(can('list', 'pods', '--all-namespaces')).toBe('yes');
      expect(can('list', 'deployments.apps', '--all-namespaces')).toBe('yes');
      expect(can('create', 'workflowtaskresults.argoproj.io', '-n', 'tidemark')).toBe('yes');
      expect(can('create', 'persistentvolumeclaims', '-n', 'tidemark')).toBe('yes');
      expect(can('delete', 'persistentvolumeclaims', '-n', 'tidemark')).toBe('no');
      expect(can('create', 'persistentvolumeclaims', '-n', 'default')).toBe('no');
      expect(can('get', 'pods', '-n', 'tidemark')).toBe('no');
      expect(can('list', 'secrets', '--all-namespaces')).toBe('no');
      expect(can('create', 'workflows.argoproj.io', '-n', 'tidemark')).toBe('no');
    });

    it('a misspelled field is refused by the server (the check can fail)', () => {
      const dir = mkdtempSync(join(tmpdir(), 'tidemark-argo-'));
      const cw = cronWorkflow();
      const step = cw.spec.workflowSpec.templates[0].steps[1][0];
      step.withParams = step.withParam;
      delete step.withParam;
      writeFileSync(join(dir, 'cw.yaml'), stringify(cw));
      const r = kubectl(
        'apply',
        '--server-side',
        '--dry-run=server',
        '--validate=strict',
        '-f',
        join(dir, 'cw.yaml'),
      );
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/withParams/);
    });
  });
});
