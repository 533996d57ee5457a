/**
 * After requests were clamped, limits follow: a proposed limit keeps the analyzer's
 * limit/request ratio to the final request, and never ends below it (the API server rejects
 * that). A request above an existing limit we do not change is clamped to that limit.
 */
import type { FieldProposal } from '../../analyze/types.js';
import { clampField, quantityFields, findField, liveLimit, BUILTIN, type Rule } from './context.js';

export const limitsConsistencyRule: Rule = (ctx) => {
  const original = (f: FieldProposal, role: 'request' | 'limit'): number | undefined =>
    ctx.rec.fields.find(
      (x) =>
        x.quantity?.container === f.quantity!.container &&
        x.quantity.resource === f.quantity!.resource &&
        x.quantity.role === role,
    )?.quantity!.proposed;
  for (const { quantity } of quantityFields(ctx, 'request')) {
    const { container, resource } = quantity!;
    const req = findField(ctx, container, resource, 'request')!;
    const request = req.quantity!.proposed;
    const limitField = findField(ctx, container, resource, 'limit');
    if (limitField) {
      const r0 = original(req, 'request');
      const l0 = original(limitField, 'limit');
      const scaled = r0 && l0 !== undefined ? Math.ceil((l0 * request) / r0) : limitField.quantity!.proposed;
      const wanted = Math.max(scaled, request);
      if (wanted !== limitField.quantity!.proposed)
        clampField(
          ctx,
          limitField,
          wanted,
          BUILTIN,
          'limits-follow-requests',
          'the limit keeps its ratio to the final request',
        );
      continue;
    }
    const live = liveLimit(ctx, container, resource);
    if (live !== undefined && request > live)
      clampField(
        ctx,
        req,
        live,
        BUILTIN,
        'request-within-limit',
        `a request may not exceed the ${resource} limit it keeps`,
      );
  }
};
