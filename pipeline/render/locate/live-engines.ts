/**
 * The GitOps engines' own objects as the live cluster holds them: Argo CD Applications (with the
 * sources Argo CD resolved, whatever generated them), Flux Kustomizations and HelmReleases (their
 * paths and values references). Read by the inventory where their CRDs exist (deploy/rbac: list).
 */
import type { ClusterModel, GenericObjectModel } from '../../model/types.js';

export interface LiveEngineObjects {
  applications: GenericObjectModel[];
  kustomizations: GenericObjectModel[];
  helmReleases: GenericObjectModel[];
}

export function liveEngineObjects(model: Pick<ClusterModel, 'others'>): LiveEngineObjects {
  return {
    applications: model.others.get('argoproj.io/Application') ?? [],
    kustomizations: model.others.get('kustomize.toolkit.fluxcd.io/Kustomization') ?? [],
    helmReleases: model.others.get('helm.toolkit.fluxcd.io/HelmRelease') ?? [],
  };
}
