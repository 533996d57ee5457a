/** The run's shared, seeded control plane (see global-setup.ts), as suites see it. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAuditLog, writeTokenKubeconfig, type ControlPlane } from './control-plane/index.js';

export const SHARED_CLUSTER_ENV = 'TIDEMARK_TEST_CLUSTER';
/** Static-token users of the shared cluster: `reader` is bound to deploy/rbac, `nobody` to nothing. */
export const SHARED_USERS: Record<string, string[]> = { reader: [], nobody: [] };

export interface SharedClusterState {
  server: string;
  caFile: string;
  adminToken: string;
  kubeconfig: string;
  dir: string;
  auditLog: string;
}

export type SharedCluster = Pick<
  ControlPlane,
  'server' | 'caFile' | 'kubeconfig' | 'adminToken' | 'dir' | 'auditLog' | 'kubeconfigFor' | 'audit'
>;

export function sharedCluster(): SharedCluster | undefined {
  const file = process.env[SHARED_CLUSTER_ENV];
  if (!file || !existsSync(file)) return undefined;
  const s = JSON.parse(readFileSync(file, 'utf8')) as SharedClusterState;
  return {
    ...s,
    kubeconfigFor: (user: string) =>
      writeTokenKubeconfig(join(s.dir, `kubeconfig-${user}`), s.server, s.caFile, user, `${user}-token`),
    audit: () => readAuditLog(s.auditLog),
  };
}
