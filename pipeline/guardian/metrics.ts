/** What the guardian exposes on /metrics (prom-client, its own registry). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class GuardianMetrics {
  readonly registry = new Registry();
  readonly signals = new Counter({
    name: 'tidemark_guardian_signals_total',
    help: 'Node signals seen, by state',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly actions = new Counter({
    name: 'tidemark_guardian_actions_total',
    help: 'Actions taken (or logged in dry-run), by kind and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'tidemark_guardian_refused_total',
    help: 'Actions refused, by reason (brakes, caps, protections, lost lease)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly reconcile = new Histogram({
    name: 'tidemark_guardian_reconcile_seconds',
    help: 'Time of one reconcile tick',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [this.registry],
  });
  readonly watchRestarts = new Gauge({
    name: 'tidemark_guardian_watch_restarts',
    help: 'Watches restarted after an error or a quiet stream, by kind',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly resizes = new Counter({
    name: 'tidemark_guardian_resizes_total',
    help: 'In-place resizes through pods/resize, by resource, direction and outcome (done, dry-run, refused, failed, infeasible, timeout, rolled-back, rollback-refused, released)',
    labelNames: ['resource', 'direction', 'outcome'],
    registers: [this.registry],
  });
  readonly resizePending = new Gauge({
    name: 'tidemark_guardian_resize_pending',
    help: 'Open resize revisions the kubelet has not carried out yet, by state (requested, in-progress, deferred)',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly resizeInfeasible = new Counter({
    name: 'tidemark_guardian_resize_infeasible_total',
    help: 'Resizes the kubelet answered Infeasible (given up, put back)',
    registers: [this.registry],
  });
  readonly revisionsOpen = new Gauge({
    name: 'tidemark_guardian_resize_revisions_open',
    help: 'Resize revisions the guardian holds (not rolled back, released or refused)',
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'tidemark_guardian_leader',
    help: '1 while this replica holds the Lease',
    registers: [this.registry],
  });
}
