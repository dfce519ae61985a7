import { accessTo, canActOn, canRead } from '../../../domain/people/access';
import { createPlan, planItems } from '../../../domain/plans/plans';
import { forbidden, jsonResult, parseJson } from '../../shared/http';
import { CreatePlanInput } from '../hr-schemas';
import { idempotencyKey, planOr404, type Routes, unknownOwner } from './route';

/* Development plans: set by HR or the owner's direct manager, read by the owner's reporting line. */

export const planRoutes: Routes = {
  'POST /plans': async (event, caller) => {
    const body = parseJson(event, CreatePlanInput);
    if (!body.ok) return body.result;
    const { ownerId, title, items } = body.value;
    if (!canActOn(await accessTo(caller, ownerId)))
      return forbidden('Development plans are set by HR or the owner’s direct manager');
    const result = await createPlan(
      { ownerId, title, items: items.map((i) => ({ title: i.title, dueAt: new Date(i.dueAt) })) },
      caller.employeeId,
      idempotencyKey(event),
    );
    if (result.outcome === 'unknown-owner') return unknownOwner(ownerId);
    return jsonResult(201, { planId: result.plan.planId, plan: result.plan });
  },

  'GET /plans/{planId}': async (event, caller) => {
    const plan = await planOr404(event);
    if (!plan.ok) return plan.result;
    if (!canRead(await accessTo(caller, plan.value.ownerId)))
      return forbidden('You may read plans of yourself and of your reporting line');
    return jsonResult(200, { plan: plan.value, items: await planItems(plan.value) });
  },
};
