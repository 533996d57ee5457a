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

/**
 * Per-HPA tolerance (KEP-4951) is beta and on from 1.35. On 1.33–1.34 it is alpha and off, and
 * the API server drops the field, leaving a diff Argo CD shows forever; so below 1.35 only a
 * server-side dry-run that kept the field (cluster setting `hpaToleranceSupported: true`) allows it.
 */
export function toleranceSupported(model: ClusterModel, settings: Record<string, unknown>): boolean {
  if (settings.hpaToleranceSupported === true) return true;
  if (settings.hpaToleranceSupported === false) return false;
  const v = String(settings.kubernetesVersion ?? model.version ?? '');
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 1 || (major === 1 && minor >= 35);
}
