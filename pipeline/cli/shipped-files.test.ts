/**
 * The files we ship for running Tidemark elsewhere — the GitHub Actions workflow, action.yml and
 * the in-cluster CronJob — must agree with the CLI they call and build with kustomize.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parse, parseAllDocuments } from 'yaml';
import { CronExpressionParser } from 'cron-parser';
import { main } from './main.js';
import { loadConfig } from '../config/load.js';
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

/** A `shell: bash` step as GitHub runs it: a script file under `bash --noprofile --norc -eo pipefail`. */
function githubBash(script: string, opts: { cwd?: string; env: NodeJS.ProcessEnv }) {
  const file = join(mkdtempSync(join(tmpdir(), 'step-')), 'step.sh');
  writeFileSync(file, script);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    ...opts,
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return r;
}

describe('shipped workflow, action and CronJob', () => {
  it('the scheduled workflow runs on a valid cron with least-privilege permissions, through the published action', () => {
    const wf = yaml('.github/workflows/tidemark.yml');
    const cron: string = wf.on.schedule[0].cron;
    expect(() => CronExpressionParser.parse(cron)).not.toThrow();
    expect(wf.permissions).toEqual({ contents: 'write', 'pull-requests': 'write' });
    expect(wf.concurrency.group).toBeDefined();
    const steps: { uses?: string; with?: any; env?: any }[] = wf.jobs.run.steps; // eslint-disable-line @typescript-eslint/no-explicit-any
    // `uses: ./` resolves only inside Tidemark's repository; the copy runs in the user's.
    expect(steps.some((s) => s.uses === './')).toBe(false);
    const step = steps.find((s) => s.uses?.startsWith('tidemark-io/tidemark@'))!;
    expect(step.with.config).toBe('${{ env.TIDEMARK_CONFIG }}');
    expect(step.env.TIDEMARK_APP_ID).toMatch(/secrets\.TIDEMARK_APP_ID/);
    // GITHUB_TOKEN must not be what opens PRs (no workflows would run on them).
    expect(JSON.stringify(step.env)).not.toMatch(/GITHUB_TOKEN/);
    // The template itself does not run on a schedule in Tidemark's own repository (the run job
    // needs the job that lists the clusters; pipeline/fleet/workflow.test.ts has the rest).
    expect(wf.jobs.clusters.if).toMatch(/github\.repository != 'tidemark-io\/tidemark'/);
    expect(wf.jobs.run.needs).toBe('clusters');
  });

  it("the workflow's credentials step writes exactly the files its example tidemark.yaml names", () => {
    const text = readFileSync(join(root, '.github/workflows/tidemark.yml'), 'utf8');
    const wf = parse(text);
    // The example config in the header comment, as a user copies it.
    const lines = text.split('\n');
    const from = lines.findIndex((l) => l === '#   clusters:');
    const example = lines
      .slice(from, lines.indexOf('#', from))
      .map((l) => l.slice(4))
      .join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'workflow-'));
    const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'));
    mkdirSync(join(dir, 'clusters', 'prod'), { recursive: true });
    writeFileSync(
      join(dir, wf.env.TIDEMARK_CONFIG),
      `apiVersion: tidemark.io/v1alpha1\nkind: Pipeline\n${example}\n`,
    );
    const step = wf.jobs.run.steps.find((s: { name?: string }) => /credentials/.test(s.name ?? ''));
    const kubeconfig = 'apiVersion: v1\nkind: Config\nclusters: []\n';
    const written = githubBash(step.run, {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        RUNNER_TEMP: runnerTemp,
        TIDEMARK_CONFIG: wf.env.TIDEMARK_CONFIG,
        KUBECONFIG_DATA: kubeconfig,
        PROM_TOKEN: 'prom-secret-token',
      },
    });
    expect(written.status).toBe(0);
    const config = loadConfig(join(dir, wf.env.TIDEMARK_CONFIG));
    const cluster = config.clusters[0]!;
    if (!('kubeconfig' in cluster.kubernetes) || !('prometheus' in cluster.metrics))
      throw new Error('example changed');
    expect(readFileSync(cluster.kubernetes.kubeconfig, 'utf8')).toBe(kubeconfig);
    expect(readFileSync(cluster.metrics.prometheus.bearerTokenFile!, 'utf8')).toBe('prom-secret-token');
    // the secrets live under the runner's temp dir (emptied after the job), private to the user
    expect(realpathSync(cluster.kubernetes.kubeconfig).startsWith(realpathSync(runnerTemp))).toBe(true);
    expect(statSync(cluster.kubernetes.kubeconfig).mode & 0o077).toBe(0);
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
    // inputs reach the script through the environment, never spliced into its text
    expect(run).not.toContain('${{');
    expect(
      action.runs.steps.some((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact')),
    ).toBe(true);
  });

  describe("action.yml's run step", () => {
    /** Runs the step's script with a stand-in CLI that prints, logs and exits with `code`. */
    function runStep(code: number) {
      const action = yaml('action.yml');
      const step = action.runs.steps.find((s: { id?: string }) => s.id === 'run');
      const actionPath = mkdtempSync(join(tmpdir(), 'action-'));
      mkdirSync(join(actionPath, 'dist', 'pipeline', 'cli'), { recursive: true });
      writeFileSync(
        join(actionPath, 'dist', 'pipeline', 'cli', 'main.js'),
        `process.stdout.write('args: ' + process.argv.slice(2).join(' ') + '\\nworkload table\\n');\n` +
          `process.stderr.write('{"level":"error","msg":"metrics source unreachable"}\\n');\n` +
          `process.exitCode = ${code};\n`,
      );
      const tmp = mkdtempSync(join(tmpdir(), 'runner-'));
      const env = {
        PATH: process.env.PATH,
        GITHUB_ACTION_PATH: actionPath,
        RUNNER_TEMP: tmp,
        GITHUB_OUTPUT: join(tmp, 'output'),
        GITHUB_STEP_SUMMARY: join(tmp, 'summary.md'),
        INPUT_CONFIG: 'tidemark.yaml',
        INPUT_OUT: 'tidemark-out',
        INPUT_DRY_RUN: 'plan',
        ...Object.fromEntries(
          Object.entries(step.env as Record<string, string>).filter(([, v]) => !v.includes('${{')),
        ),
      };
      const r = githubBash(step.run, { env });
      return {
        status: r.status,
        summary: readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8'),
        output: readFileSync(env.GITHUB_OUTPUT, 'utf8'),
      };
    }

    it('writes the plan summary and the plan output on success', () => {
      const r = runStep(0);
      expect(r.status).toBe(0);
      expect(r.summary).toBe(
        '## Tidemark plan\n```\nargs: run --config tidemark.yaml --out tidemark-out --dry-run plan\nworkload table\n```\n',
      );
      expect(r.output).toBe('plan=tidemark-out/plan.json\n');
    });

    it('still writes the summary, with the last log lines, when the run fails, and keeps its exit code', () => {
      const r = runStep(3);
      expect(r.status).toBe(3);
      expect(r.summary).toMatch(/^## Tidemark run failed \(exit 3\)\n```\nargs: run /);
      expect(r.summary).toContain(
        'workload table\n{"level":"error","msg":"metrics source unreachable"}\n```\n',
      );
    });
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
    // The checkpoints live on a claim mounted where state.path points, writable by the run's user.
    const claim = objs.find((o) => o.kind === 'PersistentVolumeClaim');
    const vol = pod.volumes.find(
      (v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim,
    );
    expect(vol.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    const mount = pod.containers[0].volumeMounts.find((m: { name: string }) => m.name === vol.name);
    expect(config.state.path).toBe(mount.mountPath);
    expect(mount.readOnly).toBeUndefined();
    expect(pod.securityContext.fsGroup).toBe(pod.securityContext.runAsUser);
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
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
