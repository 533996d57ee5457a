/**
 * The files we ship for running Tidemark elsewhere — the GitHub Actions workflow, action.yml and
 * the in-cluster CronJob — must agree with the CLI they call and build with kustomize.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse, parseAllDocuments } from 'yaml';
import { CronExpressionParser } from 'cron-parser';
import { main } from './main.js';
import { packageRoot, getValidator } from '../core/json-schema.js';
import { createMemoryLogger } from '../core/logger.js';
import { referenceValidator } from '../testing/reference-schemas.js';

const root = packageRoot();
const yaml = (rel: string): any => parse(readFileSync(join(root, rel), 'utf8')); // eslint-disable-line @typescript-eslint/no-explicit-any

async function help(cmd: string): Promise<string> {
  let out = '';
  const orig = process.stdout.write.bind(process.stdout);
  (process.stdout as { write: unknown }).write = (c: string): boolean => ((out += String(c)), true);
  try {
    await main([cmd, '--help'], { stdout: (t) => (out += t), logger: createMemoryLogger('error') });
  } finally {
    (process.stdout as { write: unknown }).write = orig;
  }
  return out;
}

describe('shipped workflow, action and CronJob', () => {
  it('the scheduled workflow runs on a valid cron with least-privilege permissions, through action.yml', () => {
    const wf = yaml('.github/workflows/tidemark.yml');
    const cron: string = wf.on.schedule[0].cron;
    expect(() => CronExpressionParser.parse(cron)).not.toThrow();
    expect(wf.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(wf.concurrency.group).toBeDefined();
    const step = wf.jobs.run.steps.find((s: { uses?: string }) => s.uses === './');
    expect(step.with.config).toBeDefined();
    expect(step.env.TIDEMARK_APP_ID).toMatch(/secrets\.TIDEMARK_APP_ID/);
    // GITHUB_TOKEN must not be what opens PRs (no workflows would run on them).
    expect(JSON.stringify(step.env)).not.toMatch(/GITHUB_TOKEN/);
  });

  it('action.yml calls `tidemark run` with options the CLI has, and writes the step summary and artifact', async () => {
    const action = yaml('action.yml');
    const run: string = action.runs.steps.find((s: { id?: string }) => s.id === 'run').run;
    expect(run).toMatch(/dist\/pipeline\/cli\/main\.js/);
    const usage = await help('run');
    for (const flag of ['--config', '--out', '--dry-run']) {
      expect(run).toContain(flag);
      expect(usage).toContain(flag);
    }
    expect(run).toContain('GITHUB_STEP_SUMMARY');
    expect(
      action.runs.steps.some((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact')),
    ).toBe(true);
  });

  it('deploy/pipeline builds with kustomize: a read-only ServiceAccount and a CronJob running `run`', () => {
    const built = execFileSync('kubectl', ['kustomize', join(root, 'deploy', 'pipeline')], {
      encoding: 'utf8',
    });
    const objs = parseAllDocuments(built).map((d) => d.toJS());
    const role = objs.find((o) => o.kind === 'ClusterRole');
    const verbs = new Set(role.rules.flatMap((r: { verbs: string[] }) => r.verbs));
    expect([...verbs].sort()).toEqual(['list']);
    const cj = objs.find((o) => o.kind === 'CronJob');
    const pod = cj.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('tidemark');
    expect(pod.containers[0].args.slice(0, 3)).toEqual(['run', '--config', '/etc/tidemark/tidemark.yaml']);
    expect(cj.spec.concurrencyPolicy).toBe('Forbid');
    const cm = objs.find((o) => o.kind === 'ConfigMap');
    const config = parse(cm.data['tidemark.yaml']);
    expect(getValidator('https://tidemark.io/schemas/config.json')(config)).toBe(true);
    expect(config.clusters[0].repo.clone).toBe(true);
    expect(config.clusters[0].kubernetes).toEqual({ inCluster: true });
  });

  it('deploy/guardian builds with kustomize: two replicas that tolerate their own taint, valid config, upstream-valid objects', () => {
    const built = execFileSync('kubectl', ['kustomize', join(root, 'deploy', 'guardian')], {
      encoding: 'utf8',
    });
    const objs = parseAllDocuments(built).map((d) => d.toJS());
    const dep = objs.find((o) => o.kind === 'Deployment');
    expect(dep.spec.replicas).toBe(2);
    const pod = dep.spec.template.spec;
    expect(pod.tolerations).toContainEqual({
      key: 'tidemark.io/hotspot',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    expect(pod.priorityClassName).toBe('tidemark-guardian');
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(pod.containers[0].args).toEqual(['guardian', '--config', '/etc/tidemark/tidemark.yaml']);
    expect(pod.containers[0].readinessProbe.httpGet.path).toBe('/healthz');
    expect(objs.map((o) => o.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'Namespace',
        'PodDisruptionBudget',
        'PriorityClass',
        'Role',
        'RoleBinding',
        'ServiceAccount',
      ].sort(),
    );
    const config = parse(objs.find((o) => o.kind === 'ConfigMap').data['tidemark.yaml']);
    expect(getValidator('https://tidemark.io/schemas/config.json')(config)).toBe(true);
    const deploymentSchema = referenceValidator('apps_Deployment_v1.json');
    if (deploymentSchema) expect(deploymentSchema(dep)).toBe(true);
    const pdbSchema = referenceValidator('policy_PodDisruptionBudget_v1.json');
    if (pdbSchema) expect(pdbSchema(objs.find((o) => o.kind === 'PodDisruptionBudget'))).toBe(true);
    const pcSchema = referenceValidator('scheduling.k8s.io_PriorityClass_v1.json');
    if (pcSchema) expect(pcSchema(objs.find((o) => o.kind === 'PriorityClass'))).toBe(true);
  });

  it("deploy/guardian's koordinator and tke components grant one named ConfigMap each, in its namespace", () => {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-'));
    cpSync(join(root, 'deploy', 'guardian'), join(dir, 'guardian'), { recursive: true });
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      'resources: [guardian]\ncomponents: [guardian/koordinator, guardian/tke]\n',
    );
    const objs = parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })).map(
      (d) => d.toJS(),
    );
    const roles = objs.filter((o) => o.kind === 'Role' && o.metadata.namespace !== 'tidemark');
    expect(roles.map((r) => [r.metadata.namespace, r.rules])).toEqual([
      [
        'koordinator-system',
        [
          {
            apiGroups: [''],
            resources: ['configmaps'],
            resourceNames: ['slo-controller-config'],
            verbs: ['list', 'watch', 'patch'],
          },
        ],
      ],
      [
        'kube-system',
        [
          {
            apiGroups: [''],
            resources: ['configmaps'],
            resourceNames: ['eks-config'],
            verbs: ['list', 'watch', 'patch'],
          },
        ],
      ],
    ]);
    const bindings = objs.filter((o) => o.kind === 'RoleBinding' && o.metadata.namespace !== 'tidemark');
    expect(bindings.map((b) => b.subjects)).toEqual([
      [{ kind: 'ServiceAccount', name: 'tidemark-guardian', namespace: 'tidemark' }],
      [{ kind: 'ServiceAccount', name: 'tidemark-guardian', namespace: 'tidemark' }],
    ]);
  });
});
