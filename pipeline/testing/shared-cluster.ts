/** The run's shared, seeded control plane (see global-setup.ts), as suites see it. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent, ControlPlane } from './control-plane/index.js';

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
    kubeconfigFor(user: string): string {
      const path = join(s.dir, `kubeconfig-${user}`);
      writeFileSync(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters: [{ name: test, cluster: { server: "${s.server}", certificate-authority: "${s.caFile}" } }]`,
          `users: [{ name: ${user}, user: { token: "${user}-token" } }]`,
          `contexts: [{ name: ${user}@test, context: { cluster: test, user: ${user} } }]`,
          `current-context: ${user}@test`,
          '',
        ].join('\n'),
      );
      return path;
    },
    audit(): AuditEvent[] {
      return existsSync(s.auditLog)
        ? readFileSync(s.auditLog, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as AuditEvent)
            .filter((e) => e.stage === 'ResponseComplete')
        : [];
    },
  };
}
