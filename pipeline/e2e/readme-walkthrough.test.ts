/**
 * The README's "Your own cluster in ten minutes", replayed: every file it shows is written and
 * every command it shows is run (the `tidemark` CLI as a real process), in the README's order,
 * with `~` a temporary home. Then the same setup with two weeks of usage in the README's format
 * gives the cuts the README promises, with and without its `first-run` policy.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { main } from '../cli/main.js';
import { packageRoot } from '../core/json-schema.js';
import { createMemoryLogger } from '../core/logger.js';
import { tidemarkVersion } from '../core/version.js';
import type { PlanDocument, PlanRecommendationJson } from '../plan/plan-document.js';
import { readSnapshot } from '../collect/snapshot/index.js';
import { buildClusterModel } from '../model/build/index.js';
import { sharedCluster } from '../testing/shared-cluster.js';
import { describeWithControlPlane } from '../testing/kube-tier.js';
import {
  underHome,
  walkthroughSteps,
  twoWeeksOfWalkthroughUsage,
  writeWalkthroughSetup,
  WALKTHROUGH_HEADING,
} from '../testing/readme-walkthrough.js';
import { allowSlowTests } from '../testing/slow.js';

allowSlowTests();

const root = packageRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf(WALKTHROUGH_HEADING),
  readme.indexOf('\n## ', readme.indexOf(WALKTHROUGH_HEADING)),
);
const oneLine = (s: string): string => s.replace(/\s+/g, ' ');

/** `npx tidemark …` as the README runs it, from the checkout, here on the sources. */
const PRELUDE = [
  'set -euo pipefail',
  'npx() {',
  '  if [ "$1" != tidemark ]; then echo "npx $1: not in the walkthrough" >&2; return 1; fi',
  '  shift; node --import tsx "$TIDEMARK_ROOT/pipeline/cli/main.ts" "$@"',
  '}',
  '',
].join('\n');

function sh(script: string, home: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-c', PRELUDE + script], {
    cwd: root,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: home,
      TIDEMARK_ROOT: root,
      TIDEMARK_LOG_FORMAT: 'json',
      GIT_AUTHOR_NAME: 'Walkthrough',
      GIT_AUTHOR_EMAIL: 'walkthrough@example.com',
      GIT_COMMITTER_NAME: 'Walkthrough',
      GIT_COMMITTER_EMAIL: 'walkthrough@example.com',
      ...env,
    },
  });
  if (r.error) throw r.error;
  return r;
}

function writeStepFile(home: string, path: string, text: string): void {
  const file = underHome(home, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const cart = (doc: PlanDocument): PlanRecommendationJson =>
  doc.clusters[0]!.recommendations.find(
    (r) => r.analyzer === 'rightsize' && r.workload === 'Deployment/shop/cart',
  )!;
const proposed = (r: PlanRecommendationJson, suffix: string): unknown =>
  r.fields.find((f) => f.path.endsWith(suffix))?.proposed;

describe('e2e/readme-walkthrough', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'tidemark-walkthrough-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('parses into the files and commands the README shows, in order', () => {
    const steps = walkthroughSteps(readme);
    expect(steps.filter((s) => s.kind === 'file').map((s) => (s as { path: string }).path)).toEqual([
      '~/my-cluster/cluster/cluster.yaml',
      '~/my-cluster/metrics.om',
      '~/my-cluster/gitops/apps/shop/cart.yaml',
      '~/my-cluster/tidemark.yaml',
      '~/my-cluster/policies/first-run.yaml',
    ]);
    expect(steps.filter((s) => s.kind === 'sh').length).toBe(6);
  });

  it('runs as written: validate, plan, then plan again under the first-run policy', () => {
    const outputs: string[] = [];
    for (const step of walkthroughSteps(readme)) {
      if (step.kind === 'file') {
        writeStepFile(home, step.path, step.text);
        continue;
      }
      // A cluster is needed for kubectl (the kube-tier test below runs it); `npm ci && npm run
      // build` is what `npx tidemark` needs (checked below), and is not repeated per test run.
      if (/^kubectl /m.test(step.script)) continue;
      const script = step.script
        .split('\n')
        .filter((l) => !/^npm /.test(l))
        .join('\n');
      const r = sh(script, home);
      expect({ script, code: r.status, stderr: r.status ? r.stderr : '' }).toEqual({
        script,
        code: 0,
        stderr: '',
      });
      outputs.push(r.stdout);
    }
    expect(outputs[0]).toBe(`${tidemarkVersion()}\n`);
    const all = outputs.join('');
    expect(all).toMatch(/config ok; policies ok; 1 workload\(s\) located, 0 excluded by policy/);
    const out = join(home, 'my-cluster', 'out');
    const doc = JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')) as PlanDocument;
    // Three samples, 10 minutes apart: the reason the README quotes, word for word.
    const reason = 'only 0.2 h and 3 samples of history (needs 3.0 h and 100)';
    expect(oneLine(section)).toContain(reason);
    expect(cart(doc).decision).toBe('rejected');
    expect(cart(doc).outcomes).toContainEqual(expect.objectContaining({ rule: 'min-history', reason }));
    expect(cart(doc).evidence.samples).toBe(3);
    // The second plan replaced the first one's output; the policies it ran with were the copy.
    expect(readdirSync(out).sort()).toEqual([
      '.tidemark-output',
      'changes.diff',
      'plan.json',
      'pr.md',
      'report.html',
    ]);
    expect(readFileSync(join(home, 'my-cluster', 'tidemark.yaml'), 'utf8')).toMatch(
      /\npolicies: policies\/\n$/,
    );
    expect(readdirSync(join(home, 'my-cluster', 'policies')).sort()).toEqual(
      expect.arrayContaining(['defaults', 'first-run.yaml']),
    );
  });

  it('with two weeks of usage in its format, cuts as the README says: 20 % under defaults, 50 % under first-run', async () => {
    const text = twoWeeksOfWalkthroughUsage();
    // Its own copy of steps 2–5, and step 7's policies (the commands are run by the test above).
    const own = mkdtempSync(join(tmpdir(), 'tidemark-walkthrough-'));
    const { dir } = await writeWalkthroughSetup(own);
    writeFileSync(join(dir, 'metrics.om'), text);
    cpSync(join(root, 'policies'), join(dir, 'policies'), { recursive: true });
    const policy = walkthroughSteps(readme).find(
      (s) => s.kind === 'file' && s.path.endsWith('first-run.yaml'),
    );
    writeFileSync(join(dir, 'policies', 'first-run.yaml'), (policy as { text: string }).text);
    const config = readFileSync(join(dir, 'tidemark.yaml'), 'utf8') + 'policies: policies/\n';
    const plan = async (configText: string, out: string): Promise<PlanDocument> => {
      writeFileSync(join(dir, 'tidemark.yaml'), configText);
      const code = await main(['plan', '--config', join(dir, 'tidemark.yaml'), '--out', join(dir, out)], {
        stdout: () => {},
        logger: createMemoryLogger('warn'),
      });
      expect(code).toBe(0);
      return JSON.parse(readFileSync(join(dir, out, 'plan.json'), 'utf8')) as PlanDocument;
    };
    let defaults: PlanRecommendationJson;
    let firstRun: PlanRecommendationJson;
    try {
      defaults = cart(await plan(config.replace('policies: policies/\n', ''), 'out-defaults'));
      firstRun = cart(await plan(config, 'out-first-run'));
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
    for (const r of [defaults, firstRun]) {
      expect(r.decision).toBe('clamped');
      expect(r.outcomes.some((o) => o.rule === 'max-decrease')).toBe(true);
      // What the analyzer wanted is far below either cap: the usage is 100m of CPU, ~406 MiB.
      const cpuWanted = r.fields.find((f) => f.path.endsWith('requests.cpu'))!.analyzerProposed as string;
      expect(parseInt(cpuWanted)).toBeLessThan(200);
    }
    // 1 core × 0.8 = 800m, 2Gi × 0.8 = 1638.4Mi → 1639Mi; × 0.5 = 0.5 (a half core keeps the
    // cores style of "1") and 1Gi.
    expect([proposed(defaults, 'requests.cpu'), proposed(defaults, 'requests.memory')]).toEqual([
      '800m',
      '1639Mi',
    ]);
    expect([proposed(firstRun, 'requests.cpu'), proposed(firstRun, 'requests.memory')]).toEqual([
      '0.5',
      '1Gi',
    ]);
    expect(proposed(firstRun, 'limits.memory')).toBe('1Gi');
    expect(oneLine(section)).toContain(
      'goes 1 → 800m under `defaults` and 1 → 0.5 under `first-run` (cores stay cores where exact); its memory 2Gi → 1639Mi and 2Gi → 1Gi',
    );
  });

  it('`npx tidemark` runs what `npm run build` writes, and step 1 builds before it', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8'));
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'));
    // tsc, then the cost board's page script bundled beside what tsc wrote (report.html inlines it).
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json( && |$)/);
    expect(build.extends).toBe('./tsconfig.json');
    expect(build.include).toContain('pipeline/**/*.ts');
    // tsc writes pipeline/cli/main.ts to <outDir>/<path below rootDir>, with .js
    const emitted = join(tsconfig.compilerOptions.outDir, 'pipeline/cli/main.js');
    expect(tsconfig.compilerOptions.rootDir).toBe('.');
    expect(pkg.bin.tidemark).toBe(emitted);
    expect(readFileSync(join(root, 'pipeline/cli/main.ts'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    const setup = walkthroughSteps(readme).find((s) => s.kind === 'sh')!;
    expect((setup as { script: string }).script).toMatch(
      /^npm ci && npm run build .*\nnpx tidemark --version\n$/,
    );
  });
});

describeWithControlPlane()('e2e/readme-walkthrough on a real kube-apiserver', () => {
  it("step 2's kubectl line writes a snapshot Tidemark reads, with every Pod attributed to its workload", () => {
    const cp = sharedCluster();
    if (!cp) throw new Error('the shared control plane was not started (global-setup)');
    const home = mkdtempSync(join(tmpdir(), 'tidemark-walkthrough-'));
    try {
      const step = walkthroughSteps(readme).find((s) => s.kind === 'sh' && /^kubectl /m.test(s.script))!;
      const r = sh((step as { script: string }).script, home, { KUBECONFIG: cp.kubeconfigFor('reader') });
      expect({ code: r.status, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      const inv = readSnapshot(join(home, 'my-cluster', 'cluster'));
      const kinds = new Set(inv.objects.map((o) => o.kind));
      for (const k of ['Node', 'Namespace', 'Pod', 'ReplicaSet', 'Deployment', 'StatefulSet', 'DaemonSet'])
        expect(kinds).toContain(k);
      const model = buildClusterModel(inv, { cluster: 'walkthrough', at: 1_800_000_000 });
      const pods = [...model.pods.values()];
      expect(pods.length).toBeGreaterThan(20);
      // Pods that belong to a controller (not static or bare ones) all found their workload.
      expect(pods.filter((p) => p.ownerKind && p.ownerKind !== 'Node' && !p.workload)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
