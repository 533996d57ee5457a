/**
 * The GitHub Action as shipped: metadata GitHub accepts, the prebuilt bundle on release refs (no
 * install, no build), the source build elsewhere, and a bundle that runs the CLI from the action's
 * checkout alone. The run step's summary and exit code are tested in cli/shipped-files.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot, getValidator } from '../core/json-schema.js';
import { allowSlowTests } from '../testing/slow.js';
import { ACTION_BUNDLE, bundleAction } from './bundle-action.js';

allowSlowTests();

const root = packageRoot();
const read = (rel: string): string => readFileSync(join(root, rel), 'utf8');
const pkg = JSON.parse(read('package.json')) as { version: string; scripts: Record<string, string> };

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  env?: Record<string, string>;
}
interface ActionMetadata {
  name: string;
  description: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs?: Record<string, { description: string; value?: string }>;
  runs: { using: string; steps?: Step[]; main?: string; image?: string };
}
const action = (): ActionMetadata => parse(read('action.yml')) as ActionMetadata;

/** The rules of GitHub's "Metadata syntax for GitHub Actions" that a composite action can break. */
function metadataProblems(a: ActionMetadata): string[] {
  const p: string[] = [];
  const id = /^[_a-zA-Z][a-zA-Z0-9_-]*$/;
  const allowed = new Set(['name', 'author', 'description', 'inputs', 'outputs', 'runs', 'branding']);
  for (const k of Object.keys(a)) if (!allowed.has(k)) p.push(`unknown key ${k}`);
  for (const k of ['name', 'description'] as const)
    if (typeof a[k] !== 'string' || !a[k]) p.push(`${k} missing`);
  for (const [k, v] of Object.entries(a.inputs ?? {})) {
    if (!id.test(k)) p.push(`input id ${k}`);
    if (typeof v.description !== 'string') p.push(`input ${k} has no description`);
    if (v.default !== undefined && typeof v.default !== 'string')
      p.push(`input ${k}: default is not a string`);
  }
  if (!['composite', 'docker', 'node20', 'node24'].includes(a.runs?.using))
    p.push(`runs.using ${a.runs?.using}`);
  if (a.runs.using === 'composite') {
    if (!a.runs.steps?.length) p.push('composite action without steps');
    for (const [k, v] of Object.entries(a.outputs ?? {}))
      if (!v.value) p.push(`output ${k}: a composite action's output needs a value`);
    for (const [i, s] of (a.runs.steps ?? []).entries()) {
      if (!s.run === !s.uses) p.push(`step ${i}: exactly one of run and uses`);
      if (s.run && !s.shell) p.push(`step ${i}: a run step of a composite action needs shell`);
      if (s.id !== undefined && !id.test(s.id)) p.push(`step ${i}: id ${s.id}`);
    }
  }
  const colors = ['white', 'black', 'yellow', 'blue', 'green', 'orange', 'red', 'purple', 'gray-dark'];
  if (a.branding?.color && !colors.includes(a.branding.color)) p.push(`branding.color ${a.branding.color}`);
  return p;
}

/** Runs the install step as GitHub would, with npm replaced by a recorder. */
function runInstallStep(withBundle: boolean) {
  const install = action().runs.steps!.find((s) => s.id === 'install')!;
  const dir = mkdtempSync(join(tmpdir(), 'action-install-'));
  const actionPath = join(dir, 'action-checkout');
  mkdirSync(join(actionPath, 'action'), { recursive: true });
  if (withBundle) writeFileSync(join(actionPath, ACTION_BUNDLE), '// bundle\n');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'npm-calls');
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "$PWD: $*" >> ${JSON.stringify(calls)}\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  const script = join(dir, 'step.sh');
  writeFileSync(script, install.run!);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    env: { PATH: `${bin}:${process.env.PATH}`, GITHUB_ACTION_PATH: actionPath },
    encoding: 'utf8',
  });
  return { status: r.status, npm: existsSync(calls) ? readFileSync(calls, 'utf8') : '', actionPath };
}

describe('the GitHub Action', () => {
  it("action.yml keeps GitHub's metadata rules", () => {
    expect(metadataProblems(action())).toEqual([]);
    // The check itself catches what GitHub rejects.
    const broken = action();
    broken.runs.steps![0] = { ...broken.runs.steps![0], shell: undefined };
    broken.outputs = { plan: { description: 'x' } };
    expect(metadataProblems(broken)).toEqual([
      "output plan: a composite action's output needs a value",
      'step 0: a run step of a composite action needs shell',
    ]);
  });

  it('on a release ref it runs the bundle: no npm ci, no build', () => {
    const r = runInstallStep(true);
    expect(r.status).toBe(0);
    expect(r.npm).toBe('');
  });

  it('on any other ref (a branch, a fork) it builds from source', () => {
    const r = runInstallStep(false);
    expect(r.status).toBe(0);
    expect(r.npm).toBe(`${r.actionPath}: ci --no-audit --no-fund\n${r.actionPath}: run --silent build\n`);
  });

  it('the run step prefers the bundle and falls back to the build', () => {
    const run = action().runs.steps!.find((s) => s.id === 'run')!.run!;
    expect(run).toContain(`"$GITHUB_ACTION_PATH/${ACTION_BUNDLE}"`);
    expect(run).toContain('"$GITHUB_ACTION_PATH/dist/pipeline/cli/main.js"');
  });

  it('main never tracks the bundle; the release workflow builds it with the same script, checks it fresh, and tags it', () => {
    expect(execFileSync('git', ['ls-files', '--', ACTION_BUNDLE], { cwd: root, encoding: 'utf8' })).toBe('');
    // .gitignore keeps a local build out of commits.
    expect(spawnSync('git', ['check-ignore', '-q', ACTION_BUNDLE], { cwd: root }).status).toBe(0);
    expect(pkg.scripts['bundle:action']).toBe('tsx pipeline/packaging/bundle-action.ts');
    const release = read('.github/workflows/release.yml');
    expect(release).toContain(`git add --force ${ACTION_BUNDLE}`);
    // freshness: rebuilt after the commit, and the commit must not change
    expect(release).toMatch(
      /git commit[^\n]*\n(.*\n)*\s*npm run --silent bundle:action\n\s*git diff --exit-code -- action\/tidemark\.mjs/,
    );
    // the scheduled workflow uses the major tag the release moves
    const major = pkg.version.split('.')[0];
    expect(release).toContain('git push --force origin "v${VERSION%%.*}"');
    expect(read('.github/workflows/tidemark.yml')).toContain(`uses: tidemark-io/tidemark@v${major}\n`);
  });

  it('the bundle runs the CLI from the action checkout alone, and builds byte for byte the same twice', async () => {
    // The checkout GitHub makes of a release tag: the repository's files, no node_modules, no dist.
    const checkout = mkdtempSync(join(tmpdir(), 'action-checkout-'));
    cpSync(join(root, 'package.json'), join(checkout, 'package.json'));
    for (const d of ['schemas', 'policies', 'fixtures']) symlinkSync(join(root, d), join(checkout, d));
    const bundle = await bundleAction(join(checkout, ACTION_BUNDLE));
    const first = readFileSync(bundle);
    expect(readFileSync(await bundleAction(join(checkout, 'again.mjs'))).equals(first)).toBe(true);

    const node = (args: string[]) =>
      spawnSync(process.execPath, [bundle, ...args], {
        cwd: checkout,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, TMPDIR: tmpdir(), HOME: checkout },
      });
    const version = node(['--version']);
    expect(version.stderr).toBe('');
    expect(version.stdout).toBe(`${pkg.version}\n`);
    const demo = node(['demo', '--out', join(checkout, 'out')]);
    expect(demo.status).toBe(0);
    const plan = JSON.parse(readFileSync(join(checkout, 'out', 'plan.json'), 'utf8')) as {
      tidemarkVersion: string;
      clusters: { changes: unknown[] }[];
    };
    expect(getValidator('https://tidemark.io/schemas/plan.json')(plan)).toBe(true);
    expect(plan.tidemarkVersion).toBe(pkg.version);
    expect(plan.clusters[0]!.changes.length).toBeGreaterThan(0);
    // The cost report beside it, its page script from the bundle (no dist/, no esbuild here).
    const html = readFileSync(join(checkout, 'out', 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.length).toBeGreaterThan(400_000);
    expect(demo.stderr).not.toMatch(/report\.html not written/);
  });
});
