/**
 * `tidemark apply` refuses, before planning and before writing any output, a checkout it cannot
 * commit to: no git repository, a folder inside another checkout (its edits would land at the
 * wrong paths of the enclosing repository), no commit yet, an invalid or taken branch name. A
 * good apply writes its output only once the branch exists.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { main } from '../main.js';
import { createMemoryLogger } from '../../core/logger.js';
import { OUTPUT_MARKER, writeOutputFiles } from '../../core/output-dir.js';
import { gitAt } from '../../publish/git/local-branch.js';
import { twoWeeksOfWalkthroughUsage, writeWalkthroughSetup } from '../../testing/readme-walkthrough.js';

async function apply(config: string, branch: string, out: string) {
  let stdout = '';
  const chunks: string[] = [];
  const logger = createMemoryLogger('info');
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = (c: string): boolean => (chunks.push(String(c)), true);
  try {
    const code = await main(['apply', '--config', config, '--branch', branch, '--out', out], {
      stdout: (t) => (stdout += t),
      logger,
    });
    const last = chunks.join('').trim().split('\n').pop()!;
    return {
      code,
      stdout,
      error: code ? (JSON.parse(last) as { msg: string }).msg : undefined,
      // The plan's first log line: whether planning started at all.
      planned: logger.lines.some((l) => l.includes('cluster state read')),
    };
  } finally {
    (process.stderr as { write: unknown }).write = orig;
  }
}

async function commitAll(dir: string): Promise<void> {
  const git = gitAt(dir, { name: 'Someone', email: 'someone@example.com' });
  await git.init(['-q', '-b', 'main']);
  await git.add(['-A']);
  await git.commit('initial', undefined, { '--quiet': null });
}

describe('cli/commands/apply', () => {
  let home: string;
  let dir: string;
  let config: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'tidemark-apply-cmd-'));
    ({ dir, config } = await writeWalkthroughSetup(home));
    // Two weeks of usage: the plan has edits to commit.
    writeFileSync(join(dir, 'metrics.om'), twoWeeksOfWalkthroughUsage());
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** The walkthrough's config with another `repo:`, written beside it. */
  const configWith = (name: string, repo: string): string => {
    const file = join(dir, `${name}.yaml`);
    const text = readFileSync(config, 'utf8').replace(/repo: \{ path: gitops\/, root: apps \}/, repo);
    expect(text).toContain(repo);
    writeFileSync(file, text);
    return file;
  };

  it('refuses a folder inside another checkout, saying which repo.path and repo.root would work', async () => {
    const outer = join(dir, 'outer');
    cpSync(join(dir, 'gitops'), join(outer, 'gitops'), {
      recursive: true,
      filter: (src) => !src.includes('/.git'),
    });
    writeFileSync(join(outer, 'README.md'), 'the platform monorepo\n');
    await commitAll(outer);
    const out = join(dir, 'out-inner');
    const r = await apply(
      configWith('inner', 'repo: { path: outer/gitops/, root: apps }'),
      'tidemark/a',
      out,
    );
    expect(r.code).toBe(2);
    expect(r.error).toBe(
      `${join(outer, 'gitops')}: repo.path: not the top of a git checkout but the folder gitops/ inside ` +
        `${outer}: set repo.path to ${outer} and put gitops/ in front of repo.root`,
    );
    expect(r.planned).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect((await simpleGit(outer).branchLocal()).all).toEqual(['main']);

    // Following the advice works: the commit lands at gitops/apps/… of the enclosing repository.
    const ok = await apply(
      configWith('outer', 'repo: { path: outer/, root: gitops/apps }'),
      'tidemark/a',
      join(dir, 'out-outer'),
    );
    expect(ok.code).toBe(0);
    const files = await simpleGit(outer).raw(['diff', '--name-only', 'main', 'tidemark/a']);
    expect(files).toBe('gitops/apps/shop/cart.yaml\n');
  });

  it('refuses a folder that is no git repository, and one without a commit, before planning', async () => {
    const plain = join(dir, 'plain');
    cpSync(join(dir, 'gitops'), plain, { recursive: true, filter: (src) => !src.includes('/.git') });
    const out = join(dir, 'out-plain');
    const r = await apply(configWith('plain', 'repo: { path: plain/, root: apps }'), 'tidemark/b', out);
    expect([r.code, r.error, r.planned, existsSync(out)]).toEqual([
      2,
      `${plain}: not a git repository (run \`git init\` and commit)`,
      false,
      false,
    ]);
    await simpleGit(plain).init();
    const fresh = await apply(join(dir, 'plain.yaml'), 'tidemark/b', out);
    expect([fresh.code, fresh.error, fresh.planned, existsSync(out)]).toEqual([
      2,
      `${plain}: the git repository has no commit yet; commit its files first`,
      false,
      false,
    ]);
  });

  it('refuses an invalid or taken branch name before planning', async () => {
    const out = join(dir, 'out-branch');
    const bad = await apply(config, 'no..dots', out);
    expect([bad.code, bad.error, bad.planned, existsSync(out)]).toEqual([
      2,
      '--branch: invalid branch name "no..dots"',
      false,
      false,
    ]);
    const taken = await apply(config, 'main', out);
    expect([taken.code, taken.planned, existsSync(out)]).toEqual([5, false, false]);
    expect(taken.error).toMatch(/branch "main" already exists/);
  });

  it('commits, then replaces an earlier output of ours', async () => {
    const out = join(dir, 'out-good');
    writeOutputFiles(out, { 'plan.json': '{}', 'stale.md': 'an older output' }, 'plan');
    const r = await apply(config, 'tidemark/rightsize', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created branch tidemark\/rightsize at [0-9a-f]{12} \(1 file\(s\)\)/);
    expect(readdirSync(out).sort()).toEqual([
      OUTPUT_MARKER,
      'changes.diff',
      'plan.json',
      'pr',
      'pr.md',
      'report.html',
    ]);
    // The branch holds the edit the output describes (the quoted style of "1" kept).
    const edited = '            requests: { cpu: "800m", memory: 1639Mi }\n';
    expect(readFileSync(join(out, 'changes.diff'), 'utf8')).toContain(`+${edited}`);
    expect(await simpleGit(join(dir, 'gitops')).show(['tidemark/rightsize:apps/shop/cart.yaml'])).toContain(
      edited,
    );
  });
});
