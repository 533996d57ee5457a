/** The autoscaling/v2 HPA we render: CPU utilization, an elastic ceiling, up fast and down slowly. */
import type { JsonValue } from '../types.js';
import type { ClusterModel, WorkloadModel } from '../../model/types.js';
import type { HpaArgs } from './args.js';

export interface HpaShape {
  min: number;
  max: number;
  target: number;
  /** ContainerResource on this container when not every container has a CPU request. */
  container?: string;
  tolerance: boolean;
}

export function cpuMetric(target: number, container?: string): Record<string, JsonValue> {
  const t = { type: 'Utilization', averageUtilization: target };
  return container
    ? { type: 'ContainerResource', containerResource: { name: 'cpu', container, target: t } }
    : { type: 'Resource', resource: { name: 'cpu', target: t } };
}

export function hpaBehavior(args: HpaArgs, tolerance: boolean): Record<string, JsonValue> {
  return {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      ...(tolerance ? { tolerance: String(args.scaleUpTolerance) } : {}),
      policies: [
        { type: 'Percent', value: 100, periodSeconds: 15 },
        { type: 'Pods', value: 4, periodSeconds: 15 },
      ],
    },
    scaleDown: {
      stabilizationWindowSeconds: args.scaleDownStabilizationSeconds,
      selectPolicy: 'Max',
      ...(tolerance ? { tolerance: String(args.scaleDownTolerance) } : {}),
      policies: [{ type: 'Percent', value: args.scaleDownPercentPerMinute, periodSeconds: 60 }],
    },
  };
}

export function hpaManifest(w: WorkloadModel, shape: HpaShape, args: HpaArgs): Record<string, JsonValue> {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: w.name, namespace: w.namespace },
    spec: {
      scaleTargetRef: { apiVersion: w.apiVersion, kind: w.kind, name: w.name },
      minReplicas: shape.min,
      maxReplicas: shape.max,
      metrics: [cpuMetric(shape.target, shape.container)],
      behavior: hpaBehavior(args, shape.tolerance),
    },
  };
}

/** The cluster's Kubernetes version (config `kubernetesVersion` wins over the snapshot's), if known. */
export function clusterVersion(
  model: ClusterModel,
  settings: Record<string, unknown>,
): { major: number; minor: number } | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(String(settings.kubernetesVersion ?? model.version ?? ''));
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

const atLeast = (v: { major: number; minor: number }, minor: number): boolean =>
  v.major > 1 || (v.major === 1 && v.minor >= minor);

export interface ToleranceGate {
  enabled: boolean;
  /** Why tolerance is left out although the operator asked for it (goes into the evidence). */
  refused?: string;
}

/**
 * Per-HPA tolerance (KEP-4951) is beta and on from 1.35. On 1.33–1.34 it is alpha and off, and
 * the API server drops the field, leaving a diff Argo CD shows forever; so there only the
 * operator's word that a server-side dry-run kept the field (cluster setting
 * `hpaToleranceSupported: true`, see README) allows it. Below 1.33 the field does not exist in
 * the API at all, so no assertion can make it survive: the flag is refused, with the reason.
 */
export function toleranceSupported(model: ClusterModel, settings: Record<string, unknown>): ToleranceGate {
  const v = clusterVersion(model, settings);
  if (settings.hpaToleranceSupported === false) return { enabled: false };
  if (settings.hpaToleranceSupported === true) {
    if (v && !atLeast(v, 33))
      return {
        enabled: false,
        refused: `hpaToleranceSupported is set, but Kubernetes ${v.major}.${v.minor} has no spec.behavior.*.tolerance field (added in 1.33), so tolerance is left out`,
      };
    return { enabled: true };
  }
  return { enabled: !!v && atLeast(v, 35) };
}

/** ContainerResource metrics are beta (on by default) from 1.27; before that the HPA ignores them. */
export function containerResourceSupported(
  model: ClusterModel,
  settings: Record<string, unknown>,
): { ok: boolean; version?: string } {
  const v = clusterVersion(model, settings);
  return { ok: !!v && atLeast(v, 27), ...(v ? { version: `${v.major}.${v.minor}` } : {}) };
}
