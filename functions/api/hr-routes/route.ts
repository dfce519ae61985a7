import { cycleById } from '../../../domain/cycles/schedule';
import type { Principal } from '../../../domain/people/access';
import { goalFor } from '../../../domain/people/goals';
import type { FollowManagerChanges } from '../../../domain/people/org';
import { followDraftManagers } from '../../../domain/plans/agreement';
import { planById } from '../../../domain/plans/plans';
import type { Cycle, Goal, Plan } from '../../../domain/platform/table';
import { followReviewManagers } from '../../../domain/reviews/manager-change';
import {
  conflict,
  forbidden,
  type HttpEvent,
  type HttpResult,
  header,
  invalid,
  notFound,
} from '../../shared/http';

/*
 * What the HR API's routes share: a route's shape, HR-only routes, reading the path and the
 * idempotency key, loading what the path names or answering 404, the problems several resources
 * report alike, and what follows every write of employees.
 */

/** One route of the HR API: the request and the caller its token names, answered. */
export type Route = (event: HttpEvent, caller: Principal) => Promise<HttpResult>;

/** A resource's routes, by the key API Gateway routes on ("POST /cycles"). */
export type Routes = Record<string, Route>;

/** Something a route needs, or the answer it gives instead (like parseJson's result). */
export type Found<T> = { ok: true; value: T } | { ok: false; result: HttpResult };

/** Routes only HR admins may call. */
export const hrOnly =
  (route: Route): Route =>
  (event, caller) =>
    caller.hr ? route(event, caller) : Promise.resolve(forbidden('Only HR admins may do this'));

/** A path parameter; the gateway routes only paths that have it, so a missing one reads as empty. */
export const pathParam = (event: HttpEvent, name: string): string => event.pathParameters?.[name] ?? '';

/** The Idempotency-Key header: a retried request that sends the same key creates nothing twice. */
export const idempotencyKey = (event: HttpEvent): string | undefined => header(event, 'idempotency-key');

/**
 * The cycle the path names; 404 when there is none, 409 when `conflictOf` says why this route
 * cannot use it as it stands.
 */
export const cycleOr404 = async (
  event: HttpEvent,
  conflictOf: (cycle: Cycle) => string | undefined = () => undefined,
): Promise<Found<Cycle>> => {
  const cycleId = pathParam(event, 'cycleId');
  const cycle = await cycleById(cycleId);
  if (!cycle) return { ok: false, result: notFound('cycleId', `no cycle ${cycleId}`) };
  const why = conflictOf(cycle);
  return why ? { ok: false, result: conflict(why) } : { ok: true, value: cycle };
};

/** For cycleOr404: nothing more happens in a cancelled cycle. */
export const whenCancelled = (cycle: Cycle): string | undefined =>
  cycle.status === 'cancelled' ? 'the cycle is cancelled' : undefined;

/**
 * The goal the path names, if the caller may read it (its owner's reporting line, or anyone for a
 * company goal) or act on it (the owner, their direct manager, HR; company goals: HR); 404 or 403.
 */
export const goalOr404 = async (
  event: HttpEvent,
  caller: Principal,
  need: 'read' | 'act',
): Promise<Found<Goal>> => {
  const goalId = pathParam(event, 'goalId');
  const found = await goalFor(goalId, caller, need);
  if (found.outcome === 'found') return { ok: true, value: found.goal };
  if (found.outcome === 'not-found') return { ok: false, result: notFound('goalId', `no goal ${goalId}`) };
  return {
    ok: false,
    result: forbidden(
      need === 'read'
        ? 'You may read goals of yourself and your reporting line'
        : 'Only the owner, their direct manager or HR may change this goal',
    ),
  };
};

/** The plan the path names; 404 when there is none. */
export const planOr404 = async (event: HttpEvent): Promise<Found<Plan>> => {
  const planId = pathParam(event, 'planId');
  const plan = await planById(planId);
  return plan ? { ok: true, value: plan } : { ok: false, result: notFound('planId', `no plan ${planId}`) };
};

/** 404: the cycle has no review of the employee the path names. */
export const noReview = (): HttpResult => notFound('employeeId', 'no review for this employee in this cycle');

/** 400: a request names a template that is not stored. */
export const unknownTemplate = (templateId: string): HttpResult =>
  invalid('templateId', 'no such template', `no template ${templateId}`);

/** 400: a request names an owner who is not an employee. */
export const unknownOwner = (ownerId: string): HttpResult =>
  invalid('ownerId', 'unknown employee', `unknown employee ${ownerId}`);

/** 400: some of the employees a request lists do not exist; the detail names the first `detailLimit`. */
export const unknownEmployees = (
  field: string,
  missing: string[],
  detailLimit = missing.length,
): HttpResult =>
  invalid(
    field,
    `unknown employee ids: ${missing.join(', ')}`,
    `unknown employee ids ${missing.slice(0, detailLimit).join(', ')}`,
  );

/**
 * What follows a change of reporting lines, for every route that writes employees: the reviews'
 * manager steps, then a draft plan's manager agreement.
 */
export const followManagerChanges: FollowManagerChanges = async (before, after, actor) => {
  const reviews = await followReviewManagers(before, after, actor);
  const plans = await followDraftManagers(before, after, actor);
  return { moved: [...reviews.moved, ...plans.moved] };
};
