/**
 * The embedded demo's workspace: a throwaway directory holding a git repository built from the
 * demo's GitOps template, the demo cluster snapshot, freshly generated metrics and the config.
 * Everything is offline and deterministic (the metrics generator is seeded with a fixed end).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';
import { gitAt } from '../publish/git/local-branch.js';
import { generateDemoMetrics } from '../../fixtures/demo/generate-metrics.js';

export interface DemoWorkspace {
  dir: string;
  config: string;
  repo: string;
}

/** Named `tidemark-demo-*` in `parent`; a workspace that could not be completed is removed. */
export async function prepareDemoWorkspace(parent = tmpdir()): Promise<DemoWorkspace> {
  const root = join(packageRoot(), 'fixtures', 'demo');
  const dir = mkdtempSync(join(parent, 'tidemark-demo-'));
  try {
    cpSync(join(root, 'cluster'), join(dir, 'cluster'), { recursive: true });
    cpSync(join(root, 'gitops'), join(dir, 'gitops'), { recursive: true });
    cpSync(join(root, 'tidemark.yaml'), join(dir, 'tidemark.yaml'));
    const repo = join(dir, 'gitops');
    const git = gitAt(repo, { name: 'Demo Platform Team', email: 'platform@example.com' });
    await git.init(['-q', '-b', 'main']);
    await git.add(['-A']);
    await git.commit('Initial GitOps repository', undefined, { '--quiet': null });
    await generateDemoMetrics(join(root, 'patterns.yaml'), join(dir, 'metrics.om'));
    return { dir, config: join(dir, 'tidemark.yaml'), repo };
  } catch (err) {
    removeDemoWorkspace({ dir });
    throw err;
  }
}

/** The workspace is ours from top to bottom (made by prepareDemoWorkspace): removed whole. */
export function removeDemoWorkspace(ws: Pick<DemoWorkspace, 'dir'>): void {
  if (!basename(ws.dir).startsWith('tidemark-demo-'))
    throw new Error(`not a demo workspace, not removed: ${ws.dir}`);
  rmSync(ws.dir, { recursive: true, force: true });
}
