/** The real-control-plane test tier's gate (jest only). */
import { describeWithTier } from './tier-gate.js';

/** describe or describe.skip, as the run decided at its start (the `kube` tier). */
export function describeWithControlPlane(): jest.Describe {
  return describeWithTier('kube');
}
