import { failuresOf, failureView } from '../../../domain/operations/failures';
import { accessTo, canActOn, canRead, type Principal } from '../../../domain/people/access';
import { createDraft } from '../../../domain/plans/agreement';
import {
  addItem,
  type ChangeRefusal,
  cancelPlan,
  changeItem,
  itemRevisionOf,
} from '../../../domain/plans/changes';
import { draftFromReview } from '../../../domain/plans/from-review';
import {
  createPlan,
  IMPROVEMENT_POLICY_ID,
  itemsOf,
  itemView,
  mentoredItems,
  overduePlans,
  type PlanRefusal,
  plansOf,
  plansOfTeam,
  plansPage,
  planView,
} from '../../../domain/plans/plans';
import { keyedId } from '../../../domain/platform/ids';
import { isAllCursor, type Plan } from '../../../domain/platform/table';
import {
  conflict,
  fieldProblem,
  forbidden,
  type HttpResult,
  invalid,
  jsonResult,
  notFound,
  parseJson,
  problem,
  validationProblem,
} from '../../shared/http';
import {
  CancelPlanInput,
  ChangePlanItemInput,
  CreatePlanInput,
  DraftPlanInput,
  ListPlansQuery,
  PlanItemInput,
} from '../hr-schemas';
import { hrOnly, idempotencyKey, noReview, pathParam, planOr404, type Routes, unknownOwner } from './route';

/*
 * Development plans: set (started at once, or drafted for the owner and their manager to agree to)
 * and changed by HR or the owner's direct manager, drafted from a released review, cancelled by HR,
 * read by the owner's reporting line; a mentor reads the items they mentor.
 */

const refused = (r: ChangeRefusal): HttpResult => {
  if (r.outcome === 'not-found') return notFound('itemId', 'no such plan item');
  if (r.outcome === 'not-active')
    return conflict(
      'the plan is not running: a draft changes on its agreement form, an ended plan not at all',
    );
  if (r.outcome === 'stale')
    return r.item
      ? problem(
          409,
          'Conflict',
          `revision: the item was changed since; it is at revision ${itemRevisionOf(r.item)} now`,
          [{ field: 'revision', message: 'the item was changed since this revision' }],
          { item: itemView(r.item) },
        )
      : conflict('the plan changed meanwhile (an item was added or it ended); read it and try again');
  return invalid(r.field, r.message);
};

/** Why a new plan was refused, on the field that says so. */
const planRefused = (r: PlanRefusal, ownerId: string): HttpResult => {
  if (r.outcome === 'unknown-owner') return unknownOwner(ownerId);
  if (r.outcome === 'unknown-policy')
    return invalid('policyId', 'no such plan policy', `no plan policy ${r.policyId}`);
  if (r.outcome === 'improvement-policy')
    return invalid(
      'policyId',
      `an improvement plan follows the ${IMPROVEMENT_POLICY_ID} policy`,
      `an improvement plan follows the ${IMPROVEMENT_POLICY_ID} policy, not ${r.policyId}`,
    );
  return invalid(
    `items.${r.index}.mentorId`,
    'not a colleague who can mentor this plan',
    `${r.mentorId} is not an active colleague other than the owner`,
  );
};

const mayChange = async (caller: Principal, plan: Plan): Promise<boolean> =>
  canActOn(await accessTo(caller, plan.ownerId));

const listed = async (plans: Plan[]) =>
  Promise.all(plans.map(async (p) => planView(p, await itemsOf(p.planId))));

export const planRoutes: Routes = {
  'POST /plans': async (event, caller) => {
    const body = parseJson(event, CreatePlanInput);
    if (!body.ok) return body.result;
    const { ownerId, items, draft, ...rest } = body.value;
    if (!canActOn(await accessTo(caller, ownerId)))
      return forbidden('Development plans are set by HR or the owner’s direct manager');
    const input = { ownerId, ...rest, items: items.map((i) => ({ ...i, dueAt: new Date(i.dueAt) })) };
    const key = idempotencyKey(event);
    const result = draft
      ? await createDraft(input, caller.employeeId, keyedId(key, 'plan'))
      : await createPlan(input, caller.employeeId, key);
    if (result.outcome !== 'created') return planRefused(result, ownerId);
    return jsonResult(201, {
      planId: result.plan.planId,
      plan: planView(result.plan, await itemsOf(result.plan.planId)),
    });
  },

  'POST /plans/draft': async (event, caller) => {
    const body = parseJson(event, DraftPlanInput);
    if (!body.ok) return body.result;
    const { cycleId, employeeId } = body.value;
    if (!canActOn(await accessTo(caller, employeeId)))
      return forbidden('Plans are drafted from a review by HR or the employee’s direct manager');
    const result = await draftFromReview(cycleId, employeeId, caller.employeeId);
    const conflictOn = (field: string, message: string) => fieldProblem(409, 'Conflict', field, message);
    switch (result.outcome) {
      case 'drafted':
        return jsonResult(201, { planId: result.plan.planId, plan: planView(result.plan, []) });
      case 'exists':
        return jsonResult(200, {
          planId: result.plan.planId,
          plan: planView(result.plan, await itemsOf(result.plan.planId)),
          alreadyDrafted: true,
        });
      case 'no-cycle':
        return notFound('cycleId', `no cycle ${cycleId}`);
      case 'no-review':
        return noReview();
      case 'not-released':
        return conflictOn('employeeId', 'the review’s results are not released yet');
      case 'no-gap-analysis':
        return conflictOn(
          'cycleId',
          'the cycle’s reviews have no gap analysis: it was made without a template',
        );
      case 'nothing-to-draft':
        return conflictOn('employeeId', 'the review shows no gap and no development need: nothing to draft');
      case 'unknown-owner':
        return invalid('employeeId', 'not an active employee');
      case 'not-drafted':
        return conflictOn('cycleId', 'the cycle’s template drafts no development plans');
      default:
        return planRefused(result, employeeId);
    }
  },

  'GET /plans': async (event, caller) => {
    const query = ListPlansQuery.safeParse(event.queryStringParameters ?? {});
    if (!query.success) return validationProblem(query.error);
    const { ownerId, team, mentorId, status, cursor } = query.data;
    if (ownerId) {
      if (!canRead(await accessTo(caller, ownerId)))
        return forbidden('You may list plans of yourself and of your reporting line');
      return jsonResult(200, { plans: await listed(await plansOf(ownerId)) });
    }
    if (team) {
      if (!canRead(await accessTo(caller, team)))
        return forbidden('You may list the plans of your own team and of teams in your reporting line');
      return jsonResult(200, { plans: await listed(await plansOfTeam(team)) });
    }
    if (mentorId) {
      if (!caller.hr && caller.employeeId !== mentorId)
        return forbidden('You may list the items you mentor yourself');
      return jsonResult(200, {
        items: (await mentoredItems(mentorId)).map((i) => ({ planId: i.planId, ...itemView(i) })),
      });
    }
    if (!caller.hr) return forbidden('Only HR admins may list plans across the organisation');
    if (status) {
      if (cursor !== undefined && !isAllCursor('plan', cursor))
        return invalid('cursor', 'not a cursor this list gave out');
      const page = await plansPage({ status: status === 'any' ? undefined : status, cursor });
      return jsonResult(200, {
        plans: page.plans.map(({ plan, items }) => planView(plan, items)),
        ...(page.next ? { next: page.next } : {}),
      });
    }
    return jsonResult(200, {
      plans: (await overduePlans()).map(({ plan, items }) => planView(plan, items)),
    });
  },

  'GET /plans/{planId}': async (event, caller) => {
    const plan = await planOr404(event);
    if (!plan.ok) return plan.result;
    const items = await itemsOf(plan.value.planId);
    if (canRead(await accessTo(caller, plan.value.ownerId)))
      return jsonResult(200, {
        plan: planView(plan.value, items),
        // Steps that failed after their retries are HR's to act on (domain/operations/failures.ts).
        ...(caller.hr ? { failures: (await failuresOf(plan.value.planId)).map(failureView) } : {}),
      });
    // A mentor sees the items they mentor, and nothing else of the plan.
    const mentored = items.filter((i) => i.mentorId === caller.employeeId);
    if (mentored.length)
      return jsonResult(200, {
        plan: {
          planId: plan.value.planId,
          ownerId: plan.value.ownerId,
          status: plan.value.status,
          items: mentored.map((i) => itemView(i)),
        },
      });
    return forbidden('You may read plans of yourself and of your reporting line, and the items you mentor');
  },

  'POST /plans/{planId}/items': async (event, caller) => {
    const plan = await planOr404(event);
    if (!plan.ok) return plan.result;
    if (!(await mayChange(caller, plan.value)))
      return forbidden('Items are added by HR or the owner’s direct manager');
    const body = parseJson(event, PlanItemInput);
    if (!body.ok) return body.result;
    const result = await addItem(
      plan.value.planId,
      { ...body.value, dueAt: new Date(body.value.dueAt) },
      caller.employeeId,
    );
    return result.outcome === 'added' ? jsonResult(201, { item: itemView(result.item) }) : refused(result);
  },

  'PATCH /plans/{planId}/items/{itemId}': async (event, caller) => {
    const plan = await planOr404(event);
    if (!plan.ok) return plan.result;
    if (!(await mayChange(caller, plan.value)))
      return forbidden('Items are changed by HR or the owner’s direct manager');
    const body = parseJson(event, ChangePlanItemInput);
    if (!body.ok) return body.result;
    const { dueAt, revision, ...rest } = body.value;
    const result = await changeItem(
      plan.value.planId,
      pathParam(event, 'itemId'),
      { ...rest, ...(dueAt ? { dueAt: new Date(dueAt) } : {}) },
      revision,
      caller.employeeId,
    );
    return result.outcome === 'changed' ? jsonResult(200, { item: itemView(result.item) }) : refused(result);
  },

  'POST /plans/{planId}/cancel': hrOnly(async (event, caller) => {
    const body = parseJson(event, CancelPlanInput);
    if (!body.ok) return body.result;
    const result = await cancelPlan(pathParam(event, 'planId'), caller.employeeId, body.value.reason);
    if (result.outcome !== 'cancelled')
      return result.outcome === 'not-found'
        ? notFound('planId', 'no such plan')
        : result.outcome === 'not-active'
          ? conflict('the plan is no longer active')
          : refused(result);
    return jsonResult(200, { plan: planView(result.plan, await itemsOf(result.plan.planId)) });
  }),
};
