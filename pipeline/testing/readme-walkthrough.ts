/**
 * The README's "Your own cluster in ten minutes", as steps a test can replay: each file block
 * (a fence right after a line `` `~/path`: ``) and each `sh` block, in the README's order.
 * Tests write the files and run the commands, so the walkthrough cannot drift from the product.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';
import { gitAt } from '../publish/git/local-branch.js';

export const WALKTHROUGH_HEADING = '## Your own cluster in ten minutes';

export type WalkthroughStep = { kind: 'file'; path: string; text: string } | { kind: 'sh'; script: string };

export function walkthroughSteps(
  readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8'),
): WalkthroughStep[] {
  const start = readme.indexOf(`\n${WALKTHROUGH_HEADING}\n`);
  if (start < 0) throw new Error(`README.md has no "${WALKTHROUGH_HEADING}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const lines = readme.slice(start, end < 0 ? undefined : end).split('\n');
  const steps: WalkthroughStep[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\w*)$/.exec(lines[i]!);
    if (!fence) continue;
    const close = lines.indexOf('```', i + 1);
    if (close < 0) throw new Error(`README walkthrough: unclosed fence at "${lines[i]}"`);
    const body = lines.slice(i + 1, close).join('\n') + '\n';
    const caption = /^`(~\/[^`]+)`:$/.exec(lines[i - 1] ?? '');
    if (caption) steps.push({ kind: 'file', path: caption[1]!, text: body });
    else if (fence[1] === 'sh') steps.push({ kind: 'sh', script: body });
    else throw new Error(`README walkthrough: a ${fence[1] || 'plain'} block without a \`~/path\`: caption`);
    i = close;
  }
  return steps;
}

/** Where a `~/…` path of the walkthrough lands when `home` stands for `~`. */
export function underHome(home: string, path: string): string {
  return join(home, path.replace(/^~\//, ''));
}

/**
 * The walkthrough's cluster, usage, checkout and config under `home` (its policies left out), the
 * GitOps folder committed as step 4 does: a small, valid setup for any command. Returns the config.
 */
export async function writeWalkthroughSetup(home: string): Promise<{ dir: string; config: string }> {
  for (const s of walkthroughSteps()) {
    if (s.kind !== 'file' || s.path.startsWith('~/my-cluster/policies/')) continue;
    const file = underHome(home, s.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, s.text);
  }
  const dir = join(home, 'my-cluster');
  const git = gitAt(join(dir, 'gitops'), { name: 'Walkthrough', email: 'walkthrough@example.com' });
  await git.init(['-q', '-b', 'main']);
  await git.add(['-A']);
  await git.commit('GitOps repository', undefined, { '--quiet': null });
  return { dir, config: join(dir, 'tidemark.yaml') };
}

/**
 * The walkthrough's usage series continued every 5 minutes for 15 days up to its last sample:
 * the CPU counter grows by 30 s per 300 s (100m), the working set repeats its three values
 * (400–406 MiB). Enough history for every proposal, cuts included.
 */
export function twoWeeksOfWalkthroughUsage(): string {
  const file = walkthroughSteps().find((s) => s.kind === 'file' && s.path.endsWith('metrics.om'));
  if (!file || file.kind !== 'file') throw new Error('README walkthrough: no metrics.om');
  const lines = file.text.split('\n');
  const series = (name: string): string =>
    lines.find((l) => l.startsWith(name + '{'))!.replace(/ [^ ]+ [^ ]+$/, '');
  const cpu = series('container_cpu_usage_seconds_total');
  const mem = series('container_memory_working_set_bytes');
  const memValues = lines.filter((l) => l.startsWith(mem + ' ')).map((l) => l.split(' ')[1]!);
  const end = Math.max(...lines.filter((l) => l.startsWith(cpu + ' ')).map((l) => Number(l.split(' ')[2])));
  const n = 15 * 288;
  const at = (i: number): number => end - 300 * (n - 1 - i);
  return [
    '# TYPE container_cpu_usage_seconds counter',
    ...Array.from({ length: n }, (_, i) => `${cpu} ${1000 + 30 * i}.0 ${at(i)}`),
    '# TYPE container_memory_working_set_bytes gauge',
    ...Array.from({ length: n }, (_, i) => `${mem} ${memValues[i % 3]} ${at(i)}`),
    '# EOF',
    '',
  ].join('\n');
}
