/** Container specs → ContainerModel, parsing quantities once and keeping the raw strings. */
import { parseCpu, parseMemory, QuantityError } from '../../core/quantity.js';
import { InputError } from '../../core/errors.js';
import type { ContainerModel, RawResources, ResourceValues, VolumeModel, Toleration } from '../types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export function parseResources(
  raw: any,
  where: { object: string; field: string; file?: string },
): { values: ResourceValues; raw: RawResources } {
  const values: ResourceValues = {};
  const rawOut: RawResources = {};
  if (!raw || typeof raw !== 'object') return { values, raw: rawOut };
  for (const key of ['cpu', 'memory'] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    try {
      values[key] = key === 'cpu' ? parseCpu(v) : parseMemory(v);
    } catch (err) {
      if (err instanceof QuantityError)
        throw new InputError(err.message, { ...where, field: `${where.field}.${key}` });
      throw err;
    }
    // The API server refuses a negative quantity, so one here is a hand-edited or corrupt
    // snapshot; left in, it made the row vanish from every analyzer without a word.
    if (values[key]! < 0)
      throw new InputError(`a ${key} quantity cannot be negative: ${JSON.stringify(v)}`, {
        ...where,
        field: `${where.field}.${key}`,
      });
    rawOut[key] = String(v);
  }
  return { values, raw: rawOut };
}

export function containerModel(
  c: any,
  role: ContainerModel['role'],
  where: { object: string; field: string; file?: string },
): ContainerModel {
  const requests = parseResources(c?.resources?.requests, {
    ...where,
    field: `${where.field}.resources.requests`,
  });
  const limits = parseResources(c?.resources?.limits, { ...where, field: `${where.field}.resources.limits` });
  const gpuKeys = Object.keys({ ...(c?.resources?.limits ?? {}), ...(c?.resources?.requests ?? {}) }).filter(
    (k) => /gpu/i.test(k),
  );
  return {
    name: String(c?.name ?? ''),
    image: c?.image,
    role,
    requests: requests.values,
    limits: limits.values,
    rawRequests: requests.raw,
    rawLimits: limits.raw,
    hasResources: !!c?.resources && Object.keys(c.resources).length > 0,
    privileged: c?.securityContext?.privileged === true || undefined,
    hostPorts: (c?.ports ?? [])
      .map((p: any) => p?.hostPort)
      .filter((p: unknown): p is number => typeof p === 'number' && p > 0),
    gpu: gpuKeys.length > 0 || undefined,
    hasLivenessProbe: !!c?.livenessProbe,
    hasReadinessProbe: !!c?.readinessProbe,
    hasPreStop: !!c?.lifecycle?.preStop,
  };
}

export function podSpecContainers(
  spec: any,
  where: { object: string; field: string; file?: string },
): { containers: ContainerModel[]; initContainers: ContainerModel[] } {
  const containers = (spec?.containers ?? []).map((c: any, i: number) =>
    containerModel(c, 'main', { ...where, field: `${where.field}.containers[${i}]` }),
  );
  const initContainers = (spec?.initContainers ?? []).map((c: any, i: number) =>
    // Native sidecars: init containers with restartPolicy Always run for the pod's whole life.
    containerModel(c, c?.restartPolicy === 'Always' ? 'sidecar' : 'init', {
      ...where,
      field: `${where.field}.initContainers[${i}]`,
    }),
  );
  return { containers, initContainers };
}

export function volumesOf(spec: any): VolumeModel[] {
  return (spec?.volumes ?? []).map((v: any) => {
    const type = Object.keys(v ?? {}).find((k) => k !== 'name') ?? 'unknown';
    return {
      name: String(v?.name ?? ''),
      type,
      claimName: v?.persistentVolumeClaim?.claimName,
      medium: v?.emptyDir?.medium,
    };
  });
}

export function tolerationsOf(spec: any): Toleration[] {
  return (spec?.tolerations ?? []).map((t: any) => ({
    key: t?.key,
    operator: t?.operator,
    value: t?.value,
    effect: t?.effect,
  }));
}
