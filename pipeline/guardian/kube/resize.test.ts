/**
 * In-place resize needs Kubernetes 1.33+. A 1.32 API server is not built here (the control-plane
 * tier runs 1.34 and 1.35, where resize.test.ts reads discovery for real), so the version rule is
 * checked on the `/version` answers providers give.
 */
import { tooOldForResize } from './resize.js';

describe('guardian/kube/resize: the version rule', () => {
  it('1.33 and newer (a provider\'s "34+" too) allow it; 1.32 and older, or no answer, do not', () => {
    expect(tooOldForResize({ major: '1', minor: '33', gitVersion: 'v1.33.0' })).toBeUndefined();
    expect(tooOldForResize({ major: '1', minor: '34+', gitVersion: 'v1.34.2-eks-b1' })).toBeUndefined();
    expect(tooOldForResize({ major: '2', minor: '0' })).toBeUndefined();
    expect(tooOldForResize({ major: '1', minor: '32', gitVersion: 'v1.32.9' })).toBe(
      'Kubernetes v1.32.9: in-place resize needs 1.33 or newer',
    );
    expect(tooOldForResize({ major: '1', minor: '27+', gitVersion: 'v1.27.16-gke.1' })).toBe(
      'Kubernetes v1.27.16-gke.1: in-place resize needs 1.33 or newer',
    );
    expect(tooOldForResize(undefined)).toBe('Kubernetes ?.?: in-place resize needs 1.33 or newer');
  });
});
