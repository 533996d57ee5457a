/** The real-control-plane test tier's gate (jest only). */
import { controlPlaneBinDir } from './control-plane/index.js';

/**
 * describe or describe.skip, printing the skip; under TIDEMARK_REQUIRE_TIERS=1 (CI) missing
 * binaries fail the run instead (.ci/run builds them first).
 */
export function describeWithControlPlane(): jest.Describe {
  if (controlPlaneBinDir()) return describe;
  const reason = 'etcd/kube-apiserver not built (pipeline/testing/control-plane/build.sh)';
  if (process.env.TIDEMARK_REQUIRE_TIERS === '1')
    throw new Error(`the control-plane tier is required: ${reason}`);
  process.stderr.write(`SKIPPED: control-plane tier — ${reason}\n`);
  return describe.skip;
}
