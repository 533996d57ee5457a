/**
 * The fleet workflow (.github/workflows/tidemark.yml): checked against GitHub's workflow rules
 * (pipeline/testing/github-workflow-rules.ts), and its shell steps run as GitHub runs them, with
 * the real CLI on PATH: the cluster list a matrix is built from, the per-cluster run through the
 * action, the fleet summary over downloaded artifacts, and the cache keys per cluster.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { packageRoot, getValidator } from '../core/json-schema.js';
import { buildProgram } from '../cli/main.js';
import { createMemoryLogger } from '../core/logger.js';
import { workflowProblems } from '../testing/github-workflow-rules.js';
import { allowSlowTests } from '../testing/slow.js';
import { listClusters } from './clusters.js';

allowSlowTests();

/* eslint-disable @typescript-eslint/no-explicit-any */
const root = packageRoot();
const read = (rel: string): any => parse(readFileSync(join(root, rel), 'utf8'));
const workflow = (): any => read('.github/workflows/tidemark.yml');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

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

/** A folder with `tidemark` running this checkout's CLI, as the setup action puts it on PATH. */
function cliOnPath(): string {
  const bin = mkdtempSync(join(tmpdir(), 'tidemark-bin-'));
  writeFileSync(
    join(bin, 'tidemark'),
    `#!/bin/sh\nexec ${join(root, 'node_modules', '.bin', 'tsx')} ${join(root, 'pipeline', 'cli', 'main.ts')} "$@"\n`,
  );
  chmodSync(join(bin, 'tidemark'), 0o755);
  return bin;
}

/** Replaces `${{ a.b.c }}` paths from `values` (what the runner does for these simple references). */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_, k: string) => {
    if (!(k in values)) throw new Error(`no value for ${k}`);
    return values[k]!;
  });
}

function fleetDir(): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-fleet-wf-'));
  const cluster = (name: string, group?: string): string[] => [
    `  - name: ${name}`,
    ...(group ? [`    group: ${group}`] : []),
    `    kubernetes: { kubeconfig: .tidemark-secrets/kubeconfig, context: ${name} }`,
    '    metrics: { prometheus: { url: "https://prometheus.example.com", bearerTokenFile: .tidemark-secrets/prometheus-token } }',
    `    repo: { path: ., root: clusters/${name} }`,
  ];
  writeFileSync(
    join(dir, 'tidemark.yaml'),
    [
      'apiVersion: tidemark.io/v1alpha1',
      'kind: Pipeline',
      'clusters:',
      ...cluster('prod', 'eu'),
      ...cluster('prod-eu', 'eu'),
      ...cluster('lab'),
      'state: { path: .tidemark-state }',
      '',
    ].join('\n'),
  );
  return { dir, config: 'tidemark.yaml' };
}

function planJson(name: string, accepted: number, cpu: number): object {
  return {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Plan',
    generatedAt: '2026-12-07T06:20:00Z',
    tidemarkVersion: pkg.version,
    config: 'tidemark.yaml',
    prices: { cpuCoreHour: 0.031, memoryGiBHour: 0.0042, currency: 'USD' },
    clusters: [
      {
        name,
        at: '2026-12-07T06:17:00Z',
        window: { start: '2026-11-23T06:15:00Z', end: '2026-12-07T06:15:00Z', step: 300 },
        recommendations: [],
        skipped: [],
        changes: [],
        summary: {
          recommendations: accepted,
          accepted,
          clamped: 0,
          rejected: 0,
          skipped: 0,
          workloadsChanged: accepted,
          savings: { cpu, memory: 0, total: cpu, cores: 1, bytes: 0 },
        },
        sources: { metrics: { queries: 1, series: 1, samples: 1, bytes: 1 } },
      },
    ],
    run: { stagesMs: {} },
  };
}

describe('the fleet workflow', () => {
  it("keeps GitHub's workflow rules, and the checker catches what GitHub rejects", () => {
    expect(workflowProblems(workflow())).toEqual([]);
    const broken = workflow();
    broken.jobs.run.strategy['max-parallel'] = '${{ matrix.name }}';
    broken.jobs.fleet.steps[0].if = "secrets.X != ''";
    broken.jobs.clusters.outputs.clusters = '${{ steps.nope.outputs.clusters }}';
    broken.jobs.run.steps[4].with.cluster = '${{ needs.clusters.outputs.names }}';
    broken.jobs.fleet.needs = ['clusters', 'run', 'missing'];
    broken.jobs.run.steps[0].run = 'echo';
    expect(workflowProblems(broken)).toEqual([
      'jobs.clusters.outputs: steps.nope is not an earlier step of the job',
      'jobs.run.strategy: context matrix is not available here (github, needs, vars, inputs)',
      'jobs.run.steps[0]: exactly one of run and uses',
      'jobs.run.steps[4].with: job clusters has no output names',
      'jobs.fleet: needs missing, which is not a job',
      'jobs.fleet.steps[0].if: context secrets is not available here (github, needs, strategy, matrix, job, runner, env, vars, steps, inputs)',
    ]);
  });

  it('one job per cluster from `tidemark clusters`: fail-fast off, max-parallel an input, the action run with --cluster', () => {
    const wf = workflow();
    const run = wf.jobs.run;
    expect(run.needs).toBe('clusters');
    expect(run.strategy['fail-fast']).toBe(false);
    expect(run.strategy['max-parallel']).toBe("${{ fromJSON(inputs.max-parallel || '4') }}");
    expect(wf.on.workflow_dispatch.inputs['max-parallel']).toMatchObject({ type: 'number', default: 4 });
    expect(run.strategy.matrix.include).toBe('${{ fromJSON(needs.clusters.outputs.clusters) }}');
    const tidemark = run.steps.find((s: any) => s.uses?.startsWith('tidemark-io/tidemark@'));
    expect(tidemark.uses).toBe(`tidemark-io/tidemark@v${pkg.version.split('.')[0]}`);
    expect(tidemark.with.cluster).toBe('${{ matrix.name }}');
    // The template does not run in Tidemark's own repository; the other jobs need its list.
    expect(wf.jobs.clusters.if).toMatch(/github\.repository != 'tidemark-io\/tidemark'/);
    expect(wf.jobs.fleet.needs).toEqual(['clusters', 'run']);
    // The summary is made when some clusters failed, not when the run was cancelled.
    expect(wf.jobs.fleet.if).toBe("${{ !cancelled() && needs.clusters.result == 'success' }}");
    expect(JSON.stringify(wf.jobs)).not.toMatch(/GITHUB_TOKEN/);
  });

  it('the state is restored by a prefix only its own cluster has, and saved under a key ending in the run id', () => {
    const steps = workflow().jobs.run.steps;
    const restore = steps.find((s: any) => s.uses === 'actions/cache/restore@v4');
    const save = steps.find((s: any) => s.uses === 'actions/cache/save@v4');
    expect(restore.with.path).toBe('${{ matrix.state }}');
    expect(save.with.path).toBe('${{ matrix.state }}');
    expect(save.if).toBe('matrix.state && !cancelled()');
    const key = (t: string, name: string, runId: string, attempt = '1') =>
      substitute(t, { 'matrix.name': name, 'github.run_id': runId, 'github.run_attempt': attempt });
    const saved = key(save.with.key, 'prod', '9001');
    expect(saved.endsWith('-9001')).toBe(true);
    // A re-run of the same run saves under another key (a saved key cannot be written again).
    expect(key(save.with.key, 'prod', '9001', '2')).not.toBe(saved);
    // The next run restores it by the cluster's prefix…
    const prefix = key(restore.with['restore-keys'], 'prod', '9002');
    expect(saved.startsWith(prefix)).toBe(true);
    expect(key(restore.with.key, 'prod', '9002')).not.toBe(saved);
    // …and never another cluster's whose name starts the same.
    expect(key(save.with.key, 'prod-eu', '9001').startsWith(prefix)).toBe(false);
    expect(
      key(save.with.key, 'prod', '9001').startsWith(key(restore.with['restore-keys'], 'prod-eu', '9002')),
    ).toBe(false);
  });

  it("the clusters step prints the matrix's include list with the real CLI, a group on request", () => {
    const { dir, config } = fleetDir();
    const step = workflow().jobs.clusters.steps.find((s: any) => s.id === 'list');
    const runStep = (group: string) => {
      const out = join(mkdtempSync(join(tmpdir(), 'runner-')), 'output');
      const r = githubBash(step.run, {
        cwd: dir,
        env: {
          PATH: `${cliOnPath()}:${process.env.PATH}`,
          HOME: process.env.HOME,
          TMPDIR: tmpdir(),
          GITHUB_OUTPUT: out,
          TIDEMARK_CONFIG: config,
          GROUP: group,
        },
      });
      expect(r.stderr).not.toMatch(/error/i);
      expect(r.status).toBe(0);
      const line = readFileSync(out, 'utf8');
      expect(line).toMatch(/^clusters=\[.*\]\n$/);
      return JSON.parse(line.slice('clusters='.length));
    };
    const all = runStep('');
    expect(all).toEqual(listClusters(join(dir, config), { cwd: dir }));
    expect(all).toEqual([
      { name: 'prod', group: 'eu', state: '.tidemark-state/prod' },
      { name: 'prod-eu', group: 'eu', state: '.tidemark-state/prod-eu' },
      { name: 'lab', state: '.tidemark-state/lab' },
    ]);
    expect(runStep('eu').map((c: { name: string }) => c.name)).toEqual(['prod', 'prod-eu']);
    // Every matrix.<key> the run job reads is a key the list gives.
    const used = new Set(
      [...JSON.stringify(workflow().jobs.run).matchAll(/matrix\.([\w-]+)/g)].map((m) => m[1]!),
    );
    expect([...used].sort()).toEqual(['name', 'state']);
  }, 60_000);

  it("the setup action puts a working tidemark on PATH (the release's bundle)", () => {
    const action = read('setup/action.yml');
    const install = action.runs.steps.find((s: any) => s.id === 'install');
    const checkout = mkdtempSync(join(tmpdir(), 'action-checkout-'));
    mkdirSync(join(checkout, 'setup'));
    mkdirSync(join(checkout, 'action'));
    writeFileSync(
      join(checkout, 'action', 'tidemark.mjs'),
      "process.stdout.write('bundle ' + process.argv.slice(2).join(' ') + '\\n');\n",
    );
    const runner = mkdtempSync(join(tmpdir(), 'runner-'));
    const env = {
      PATH: process.env.PATH,
      GITHUB_ACTION_PATH: join(checkout, 'setup'),
      RUNNER_TEMP: runner,
      GITHUB_PATH: join(runner, 'path'),
    };
    const r = githubBash(install.run, { env });
    expect(r.status).toBe(0);
    const added = readFileSync(env.GITHUB_PATH, 'utf8').trim();
    const called = spawnSync(join(added, 'tidemark'), ['clusters', '--json'], { encoding: 'utf8' });
    expect(called.stdout).toBe('bundle clusters --json\n');
  });

  it("the action's run step passes --cluster and names the cluster in the summary; one artifact per cluster", () => {
    const action = read('action.yml');
    const step = action.runs.steps.find((s: any) => s.id === 'run');
    const actionPath = mkdtempSync(join(tmpdir(), 'action-'));
    mkdirSync(join(actionPath, 'dist', 'pipeline', 'cli'), { recursive: true });
    writeFileSync(
      join(actionPath, 'dist', 'pipeline', 'cli', 'main.js'),
      "process.stdout.write('args: ' + process.argv.slice(2).join(' ') + '\\n');\n",
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
      INPUT_DRY_RUN: 'none',
      INPUT_CLUSTER: 'prod-eu',
    };
    const r = githubBash(step.run, { env });
    expect(r.status).toBe(0);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe(
      '## Tidemark plan of prod-eu\n```\nargs: run --config tidemark.yaml --out tidemark-out --cluster prod-eu\n```\n',
    );
    expect(step.env.INPUT_CLUSTER).toBe('${{ inputs.cluster }}');
    const upload = action.runs.steps.find((s: any) => s.uses?.startsWith('actions/upload-artifact'));
    expect(upload.with.name).toBe(
      "tidemark-plan${{ inputs.cluster && format('-{0}', inputs.cluster) || '' }}",
    );
    // The fleet job downloads exactly those.
    const download = workflow().jobs.fleet.steps.find((s: any) =>
      s.uses?.startsWith('actions/download-artifact'),
    );
    expect(download.with.pattern).toBe('tidemark-plan-*');
  });

  it('the fleet summary step adds the downloaded plans up into the job summary and fleet.json, naming a failed cluster', () => {
    const { dir, config } = fleetDir();
    const fleet = workflow().jobs.fleet;
    const dl = fleet.steps.find((s: any) => s.uses?.startsWith('actions/download-artifact')).with.path;
    const step = fleet.steps.find((s: any) => s.name === 'Fleet summary');
    // download-artifact with a pattern puts each artifact in a folder named after it.
    for (const [name, accepted, cpu] of [
      ['prod', 3, 10.5],
      ['lab', 1, -0.25],
    ] as const) {
      mkdirSync(join(dir, dl, `tidemark-plan-${name}`), { recursive: true });
      writeFileSync(
        join(dir, dl, `tidemark-plan-${name}`, 'plan.json'),
        JSON.stringify(planJson(name, accepted, cpu)),
      );
    }
    const summary = join(mkdtempSync(join(tmpdir(), 'runner-')), 'summary.md');
    const env = {
      PATH: `${cliOnPath()}:${process.env.PATH}`,
      HOME: process.env.HOME,
      TMPDIR: tmpdir(),
      GITHUB_STEP_SUMMARY: summary,
      TIDEMARK_CONFIG: config,
    };
    const r = githubBash(step.run, { cwd: dir, env });
    expect(r.status).toBe(0);
    const text = readFileSync(summary, 'utf8');
    // 3 + 1 accepted; 10.50 − 0.25 = 10.25 saved; prod-eu's job left no plan.
    expect(text).toContain('## Tidemark fleet: 2 of 3 cluster(s) planned\n');
    expect(text).toContain(
      '4 recommendation(s) — 4 accepted, 0 clamped, 0 rejected; 4 workload(s) changed; 0 skipped; saves $10.25/month',
    );
    expect(text).toContain('| prod-eu | eu | no plan: the job failed or did not run |');
    const doc = JSON.parse(readFileSync(join(dir, 'tidemark-fleet', 'summary', 'fleet.json'), 'utf8'));
    expect(getValidator('https://tidemark.io/schemas/fleet.json')(doc)).toBe(true);
    expect(doc.clusters.map((c: { name: string }) => c.name)).toEqual(['lab', 'prod']);

    // The cost board over the same plans, where the upload and the pages job take it from.
    const board = githubBash(fleet.steps.find((s: any) => s.name === 'Cost board').run, { cwd: dir, env });
    expect(board.stderr).toBe('');
    expect(board.status).toBe(0);
    expect(board.stdout).toMatch(/report\.html: 2 cluster\(s\), 0 workload\(s\), 2 plan\(s\)/);
    const html = readFileSync(join(dir, 'tidemark-fleet', 'report', 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(fleet.steps.find((s: any) => s.uses?.startsWith('actions/upload-artifact')).with).toMatchObject({
      name: 'tidemark-fleet',
      path: 'tidemark-fleet',
    });

    // No plan at all: the step fails, and says so in the summary.
    const empty = fleetDir();
    const summary2 = join(mkdtempSync(join(tmpdir(), 'runner-')), 'summary.md');
    const r2 = githubBash(step.run, { cwd: empty.dir, env: { ...env, GITHUB_STEP_SUMMARY: summary2 } });
    expect(r2.status).toBe(1);
    expect(readFileSync(summary2, 'utf8')).toBe('## Tidemark fleet: no cluster produced a plan\n');
    expect(existsSync(join(empty.dir, 'tidemark-fleet'))).toBe(false);
  }, 60_000);

  it('publishes the cost board on GitHub Pages only when asked, from the fleet artifact, as the index page', () => {
    const pages = workflow().jobs.pages;
    expect(pages.needs).toBe('fleet');
    expect(pages.if).toBe(
      "${{ !cancelled() && needs.fleet.result == 'success' && vars.TIDEMARK_PAGES == 'true' }}",
    );
    expect(pages.permissions).toEqual({ pages: 'write', 'id-token': 'write' });
    expect(pages.steps[0].with).toEqual({ name: 'tidemark-fleet', path: 'tidemark-fleet' });
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-pages-'));
    mkdirSync(join(dir, 'tidemark-fleet', 'report'), { recursive: true });
    writeFileSync(join(dir, 'tidemark-fleet', 'report', 'report.html'), '<!doctype html>board');
    const r = githubBash(pages.steps[1].run, { cwd: dir, env: { PATH: process.env.PATH } });
    expect(r.status).toBe(0);
    const site = pages.steps.find((s: any) => s.uses?.startsWith('actions/upload-pages-artifact')).with.path;
    expect(readFileSync(join(dir, site, 'index.html'), 'utf8')).toBe('<!doctype html>board');
    expect(pages.steps.at(-1).uses).toBe('actions/deploy-pages@v4');
  });

  it('every tidemark command the workflow calls exists with the flags it passes', () => {
    const program = buildProgram({ logger: createMemoryLogger('error'), stdout: () => {} });
    const commands = new Map(program.commands.map((c) => [c.name(), c]));
    const wf = workflow();
    const calls = Object.values(wf.jobs)
      .flatMap((j: any) => j.steps as any[])
      .flatMap((s) => [...String(s.run ?? '').matchAll(/^\s*(?:clusters=\$\()?tidemark ([a-z]+)([^\n]*)/gm)])
      .map((m) => ({ command: m[1]!, flags: [...m[2]!.matchAll(/(--[a-z-]+)/g)].map((f) => f[1]!) }));
    expect(calls.map((c) => c.command).sort()).toEqual(['report', 'summarize']);
    // the clusters step builds its arguments in an array
    const list = wf.jobs.clusters.steps.find((s: any) => s.id === 'list').run as string;
    calls.push({ command: 'clusters', flags: [...list.matchAll(/(--[a-z-]+)/g)].map((f) => f[1]!) });
    for (const call of calls) {
      const cmd = commands.get(call.command);
      expect(cmd).toBeDefined();
      const known = new Set(cmd!.options.map((o) => o.long));
      for (const f of call.flags) expect(known.has(f) ? f : `${call.command} has no ${f}`).toBe(f);
    }
  });
});
