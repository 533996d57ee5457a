/**
 * What we keep of each object: what the model reads, never managedFields, never the values of
 * environment variables (they hold secrets more often than not), never the last-applied copy of
 * the whole object. Memory then follows the model, not the wire.
 */
import type { KubeObject } from '../types.js';

const DROP_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/* eslint-disable @typescript-eslint/no-explicit-any */
function trimMetadata(m: any): any {
  if (!m || typeof m !== 'object') return m;
  const { managedFields: _mf, selfLink: _sl, ...rest } = m;
  if (rest.annotations) {
    const a = { ...rest.annotations };
    for (const k of DROP_ANNOTATIONS) delete a[k];
    rest.annotations = a;
  }
  return rest;
}

function scrubContainers(list: any): any {
  if (!Array.isArray(list)) return list;
  return list.map((c) => {
    if (!c || typeof c !== 'object') return c;
    const out = { ...c };
    if (Array.isArray(out.env))
      out.env = out.env.map((e: any) => (e && typeof e === 'object' ? { name: e.name } : e));
    return out;
  });
}

function scrubPodSpec(spec: any): any {
  if (!spec || typeof spec !== 'object') return spec;
  return {
    ...spec,
    containers: scrubContainers(spec.containers),
    initContainers: scrubContainers(spec.initContainers),
    ephemeralContainers: undefined,
  };
}

export function trimObject(o: any, apiVersion: string, kind: string, keep: 'full' | 'metadata'): KubeObject {
  // Metadata-only lists carry PartialObjectMetadata items: name them after what they describe.
  if (keep === 'metadata') return { apiVersion, kind, metadata: trimMetadata(o.metadata) } as KubeObject;
  const base: any = {
    apiVersion: o.apiVersion ?? apiVersion,
    kind: o.kind ?? kind,
    metadata: trimMetadata(o.metadata),
  };
  // The one ConfigMap read (Koordinator's SLO settings) is read for its data.
  if (kind === 'ConfigMap' && o.data !== undefined) base.data = o.data;
  if (o.spec !== undefined) {
    let spec = o.spec;
    if (kind === 'Pod') spec = scrubPodSpec(spec);
    else if (spec?.template?.spec)
      spec = { ...spec, template: { ...spec.template, spec: scrubPodSpec(spec.template.spec) } };
    else if (spec?.jobTemplate?.spec?.template?.spec)
      spec = {
        ...spec,
        jobTemplate: {
          ...spec.jobTemplate,
          spec: {
            ...spec.jobTemplate.spec,
            template: {
              ...spec.jobTemplate.spec.template,
              spec: scrubPodSpec(spec.jobTemplate.spec.template.spec),
            },
          },
        },
      };
    base.spec = spec;
  }
  if (o.status !== undefined) base.status = kind === 'Node' ? trimNodeStatus(o.status) : o.status;
  return base;
}

/** Node images lists are the largest part of a Node and no stage reads them. */
function trimNodeStatus(s: any): any {
  if (!s || typeof s !== 'object') return s;
  const { images: _i, ...rest } = s;
  return rest;
}
