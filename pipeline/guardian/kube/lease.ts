/**
 * Leader election on a coordination.k8s.io Lease. Only the holder acts, and `holds()` re-reads the
 * Lease before every mutating call: a leader paused (SIGSTOP, a long GC, a partition) past its
 * lease finds another holder, or an expired lease, and makes no call. Writes carry the Lease's
 * resourceVersion, so two candidates racing for an expired lease cannot both win.
 */
import type { Clock } from '../../core/clock.js';
import { KubeApiError, type KubeApi } from './api.js';

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

const micro = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z');

export class LeaderLease {
  private readonly path: string;
  /** Our own clock's time of the last successful renew: after a pause, it is far in the past. */
  private renewedAt = 0;

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
    readonly name: string,
    readonly identity: string,
    private readonly clock: Clock,
    readonly durationSeconds = 15,
  ) {
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`;
  }

  /** Acquire or renew; true when we hold the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const lease = await this.api.get<Lease>(this.path);
    const spec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.durationSeconds,
      renewTime: micro(now),
    };
    try {
      if (!lease) {
        await this.api.send('POST', `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: this.namespace },
          spec: { ...spec, acquireTime: micro(now), leaseTransitions: 0 },
        });
      } else {
        const ours = lease.spec.holderIdentity === this.identity;
        if (!ours && !expired(lease, now)) return false;
        await this.api.send('PUT', this.path, {
          ...lease,
          spec: {
            ...lease.spec,
            ...spec,
            ...(ours
              ? {}
              : { acquireTime: micro(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 }),
          },
        });
      }
    } catch (err) {
      // Someone else wrote first (409) or created it (409 AlreadyExists): not ours this round.
      if (err instanceof KubeApiError && err.status === 409) return false;
      throw err;
    }
    this.renewedAt = now;
    return true;
  }

  /**
   * Before every mutating call: our last renew is younger than the lease, and the Lease in the
   * API server still names us. Costs one GET; an action is rare, a wrong one is expensive.
   */
  async holds(): Promise<boolean> {
    const now = this.clock.now();
    if (now - this.renewedAt >= this.durationSeconds * 1000) return false;
    const lease = await this.api.get<Lease>(this.path);
    return !!lease && lease.spec.holderIdentity === this.identity && !expired(lease, now);
  }

  /** Give the lease up on shutdown so the other replica takes over at once. */
  async release(): Promise<void> {
    const lease = await this.api.get<Lease>(this.path);
    if (lease?.spec.holderIdentity !== this.identity) return;
    await this.api
      .send('PUT', this.path, { ...lease, spec: { ...lease.spec, holderIdentity: '', renewTime: micro(0) } })
      .catch(() => undefined);
  }
}

function expired(lease: Lease, now: number): boolean {
  const renew = lease.spec.renewTime ? Date.parse(lease.spec.renewTime) : 0;
  return !lease.spec.holderIdentity || now > renew + (lease.spec.leaseDurationSeconds ?? 15) * 1000;
}
