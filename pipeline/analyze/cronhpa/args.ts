/** CronHPA analyzer arguments: the type and its defaults (schema: schemas/tidemark/analyzers/cronhpa.schema.json). */
export interface CronHpaArgs {
  /** Minutes before the ramp the scale-up fires, so new pods are warm when load arrives. */
  leadMinutes: number;
  /** Autocorrelation at the period a cycle needs (its strength). */
  minStrength: number;
  /** Permutation-test shuffles (Crane: 100). */
  shuffles: number;
  /** Days of the latest history a daily schedule is shaped from. */
  recentDays: number;
  /** A ramp whose start spreads more than this over those days drifts: no fixed schedule. */
  maxJitterHours: number;
  /** Days of demand before a cycle is looked for (a daily one needs 2, a weekly one 14). */
  minHistoryDays: number;
  /** Fixed replicas for the tkestack form are sized at this utilization of the request. */
  fixedUtilization: number;
}

export const CRONHPA_DEFAULTS: CronHpaArgs = {
  leadMinutes: 30,
  minStrength: 0.5,
  shuffles: 100,
  recentDays: 7,
  maxJitterHours: 2,
  minHistoryDays: 7,
  fixedUtilization: 0.7,
};

/** Per-cluster settings (`clusters[].settings.autoscaling`), validated by the config schema. */
export interface AutoscalingSettings {
  cronForm?: 'aliyun' | 'keda' | 'crane' | 'tkestack';
  /** IANA zone the schedule is written in (the business's clock). */
  timezone?: string;
  /** Zone the Aliyun or tkestack controller process runs in (they have no timezone field). */
  controllerTimezone?: string;
}
