import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { executionName, stableId } from '../platform/ids';
import { db, type HumanRequest, ignoreConditionFailure, type Plan } from '../platform/table';

/*
 * Development plans: one action item per request, each followed up by the development-plan workflow
 * with a reminder before it is due and escalation to the manager, the skip-level and HR when overdue.
 */

export type NewPlan = {
  planId: string;
  ownerId: string;
  title: string;
  items: Array<{ title: string; dueAt: Date }>;
};

/** Days after the due date at which an open action item escalates: manager, skip-level, HR. */
export const ACTION_ESCALATION_DAYS = { manager: 1, skipLevel: 7, hr: 14, close: 21 } as const;

/**
 * Creates a development plan with one action-item request per item, each with a reminder before it
 * is due and an escalation chain after, and starts its follow-up under the plan's id (once).
 */
export const createPlan = async (input: NewPlan): Promise<Plan> => {
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
