/**
 * Run only by tier-run.test.ts, in a child Jest with the `kube` tier unavailable at start: a suite
 * leaving a file in its temp folder, and a kube suite whose binaries appear after global setup
 * decided the tiers (as when build.sh finishes while suites run).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithControlPlane } from './kube-tier.js';
import { sharedCluster } from './shared-cluster.js';

const report = process.env.TIDEMARK_FIXTURE_REPORT!;

// The binaries "finish building" now, after the decision and before this file's gate is read.
const late = join(homedir(), '.cache', 'tidemark', 'k8s-late', 'bin');
mkdirSync(late, { recursive: true });
for (const b of ['etcd', 'kube-apiserver']) writeFileSync(join(late, b), '');

describe('a suite on no tier', () => {
  it('leaves a folder in the temp dir', () => {
    const dir = join(tmpdir(), 'tidemark-left-behind');
    mkdirSync(dir);
    writeFileSync(join(dir, 'data'), 'x');
    writeFileSync(report, JSON.stringify({ tmp: tmpdir(), left: dir }));
  });
});

describeWithControlPlane()('a suite on the kube tier', () => {
  it('finds the shared control plane', () => {
    writeFileSync(`${report}.kube`, 'ran');
    expect(sharedCluster()).toBeDefined();
  });
});
