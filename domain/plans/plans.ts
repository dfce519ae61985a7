import { missingEmployees } from '../people/org';
import { recordAudit } from '../platform/audit';
import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { executionName, keyedId, stableId } from '../platform/ids';
import { db, type HumanRequest, ignoreConditionFailure, type Plan } from '../platform/table';

/*
 * Development plans: one action item per request, each followed up by the development-plan workflow
 * with a reminder before it is due and escalation to the manager, the skip-level and HR when overdue.
 */

/** A plan as HR or the owner's direct manager sets it. */
export type NewPlan = {
  ownerId: string;
  title: string;
  items: Array<{ title: string; dueAt: Date }>;
};

/** Days after the due date at which an open action item escalates: manager, skip-level, HR. */
export const ACTION_ESCALATION_DAYS = { manager: 1, skipLevel: 7, hr: 14, close: 21 } as const;

export type PlanOutcome = { outcome: 'created'; plan: Plan } | { outcome: 'unknown-owner' };

/**
 * Creates a development plan for an employee and records it in the audit trail. A retried request
 * with the same idempotency key creates the same plan once.
 */
export const createPlan = async (
  input: NewPlan,
  actor: string,
  idempotencyKey: string | undefined,
): Promise<PlanOutcome> => {
  if ((await missingEmployees([input.ownerId])).missing.length) return { outcome: 'unknown-owner' };
  const plan = await writePlan({ ...input, planId: keyedId(idempotencyKey, 'plan') });
  await recordAudit(`plan#${plan.planId}`, actor, 'plan.created', {
    ownerId: plan.ownerId,
    items: plan.itemRequestIds.length,
  });
  return { outcome: 'created', plan };
};

/**
 * Writes a development plan with one action-item request per item, each with a reminder before it
 * is due and an escalation chain after, and starts its follow-up under the plan's id (once).
 */
const writePlan = async (input: NewPlan & { planId: string }): Promise<Plan> => {
  const { employee, plan, request } = db();
  const owner = (await employee.get({ employeeId: input.ownerId }).go()).data;
  if (!owner) throw new Error(`Employee ${input.ownerId} not found`);
  const managerId = owner.managerId ?? 'hr';
  const manager = owner.managerId
    ? (await employee.get({ employeeId: owner.managerId }).go()).data
    : undefined;
  const skipLevelId = manager?.managerId ?? 'hr';
  const createdAt = now().toISOString();
  const requests = input.items.map(
    (item, i): HumanRequest => ({
      requestId: stableId(input.planId, 'item', String(i)),
      kind: 'action-item',
      recipientId: owner.employeeId,
      subjectId: owner.employeeId,
      planId: input.planId,
      title: item.title,
      dueAt: item.dueAt.toISOString(),
      closeAt: addDays(item.dueAt, ACTION_ESCALATION_DAYS.close).toISOString(),
      reminderHoursBefore: [72],
      escalations: [
        { afterHours: 24 * ACTION_ESCALATION_DAYS.manager, toId: managerId, role: 'their manager' },
        { afterHours: 24 * ACTION_ESCALATION_DAYS.skipLevel, toId: skipLevelId, role: 'skip-level manager' },
        { afterHours: 24 * ACTION_ESCALATION_DAYS.hr, toId: 'hr', role: 'HR' },
      ],
      status: 'pending',
      remindersSent: 0,
      escalationsSent: 0,
      createdAt,
    }),
  );
  const item: Plan = {
    planId: input.planId,
    ownerId: owner.employeeId,
    title: input.title,
    status: 'active',
    itemRequestIds: requests.map((r) => r.requestId),
    createdAt,
  };
  await Promise.all(requests.map((r) => request.create(r).go().catch(ignoreConditionFailure)));
  await plan.create(item).go().catch(ignoreConditionFailure);
  await startOnce(config.planStateMachineArn, executionName('plan', input.planId), {
    planId: input.planId,
    items: item.itemRequestIds.map((requestId) => ({ requestId })),
  });
  return item;
};

/** One plan by id, or undefined when there is none. */
export const planById = async (planId: string): Promise<Plan | undefined> =>
  (await db().plan.get({ planId }).go()).data ?? undefined;

/** A plan's action items as they stand. */
export const planItems = async (plan: Plan) =>
  (await Promise.all(plan.itemRequestIds.map((requestId) => db().request.get({ requestId }).go()))).map(
    ({ data }) => ({
      requestId: data?.requestId,
      title: data?.title,
      dueAt: data?.dueAt,
      status: data?.status,
      escalationsSent: data?.escalationsSent,
    }),
  );

export const closePlan = async (
  planId: string,
): Promise<{ planId: string; completed: number; open: number }> => {
  const { plan, request } = db();
  const found = (await plan.get({ planId }).go()).data;
  if (!found) throw new Error(`Plan ${planId} not found`);
  const items = await Promise.all(found.itemRequestIds.map((requestId) => request.get({ requestId }).go()));
  const completed = items.filter((i) => i.data?.status === 'submitted').length;
  await plan.patch({ planId }).set({ status: 'closed' }).go();
  return { planId, completed, open: items.length - completed };
};
