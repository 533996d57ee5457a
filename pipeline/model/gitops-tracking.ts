/**
 * How a live object says which GitOps engine manages it (Argo CD tracking annotation or instance
 * label, Flux labels), read the same way by the model builder and the guardian.
 */
import type { GitOpsTracking } from './types.js';

export function gitopsTracking(o: {
  metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
}): GitOpsTracking {
  const a = o.metadata.annotations ?? {};
  const l = o.metadata.labels ?? {};
  const t: GitOpsTracking = {};
  if (a['argocd.argoproj.io/tracking-id']) t.argocdTrackingId = a['argocd.argoproj.io/tracking-id'];
  if (l['app.kubernetes.io/instance']) t.argocdInstance = l['app.kubernetes.io/instance'];
  if (l['kustomize.toolkit.fluxcd.io/name']) {
    t.fluxKustomization = {
      name: l['kustomize.toolkit.fluxcd.io/name'],
      namespace: l['kustomize.toolkit.fluxcd.io/namespace'] ?? 'flux-system',
    };
  }
  if (l['helm.toolkit.fluxcd.io/name']) {
    t.fluxHelmRelease = {
      name: l['helm.toolkit.fluxcd.io/name'],
      namespace: l['helm.toolkit.fluxcd.io/namespace'] ?? 'flux-system',
    };
  }
  return t;
}
