import type { EscalationTarget, PlanPolicy } from '../catalog/documents';
import { addLocalDays, endOfLocalDay, localDay } from '../platform/calendar';
import { addDays } from '../platform/clock';
import { stableId } from '../platform/ids';
import { db, type Employee, type HumanRequest, type Params, type PlanItem } from '../platform/table';

/*
 * The requests that follow up one plan item. An item's follow-up is a chain: the owner is asked
 * (done, blocked, or a new date); blocked, or a date beyond the policy's limit, asks the manager to
 * decide; a decision to go on, or an accepted new date, asks the owner again. Each link of the chain
 * is a request of its own (round 1, 2, …) with its ladder from the plan's policy; the item names the
 * current one, and the item's workflow goes on to whichever the item names once a request settles.
 */

/** How an escalation names the person it goes to, in the email they get. */
export const ESCALATION_ROLE: Record<EscalationTarget, string> = {
  owner: 'its owner',
  manager: 'their manager',
  'skip-level': 'skip-level manager',
  hr: 'HR',
};

/** Still followed up: open, or blocked and waiting for the manager. */
export const isFollowed = (item: Pick<PlanItem, 'status'>): boolean =>
  item.status === 'open' || item.status === 'blocked';

/** The plan's owner is no longer an employee: nothing more is asked or sent about their plan. */
export const ownerGone = async (ownerId: string): Promise<boolean> => {
  const owner = (await db().employee.get({ employeeId: ownerId }).go()).data;
  return !owner || owner.status === 'left';
};

/** The reporting line an item's requests name as it is when they are made. */
export type Line = { owner: Employee; managerId: string; skipLevelId: string };

export const lineOf = async (ownerId: string): Promise<Line | undefined> => {
  const owner = (await db().employee.get({ employeeId: ownerId }).go()).data;
  if (!owner) return undefined;
  const manager = owner.managerId
    ? (await db().employee.get({ employeeId: owner.managerId }).go()).data
    : undefined;
  return { owner, managerId: owner.managerId ?? 'hr', skipLevelId: manager?.managerId ?? 'hr' };
};

const idOf = (line: Line, to: EscalationTarget): string =>
  to === 'owner'
    ? line.owner.employeeId
    : to === 'manager'
      ? line.managerId
      : to === 'skip-level'
        ? line.skipLevelId
        : 'hr';

/** An escalation chain from the policy, each step after the given day resolved when it is due. */
const chain = (steps: PlanPolicy['escalation'], line: Line, fromDay = 0): HumanRequest['escalations'] =>
  steps.map((e) => ({
    afterHours: Math.max(0, e.afterDays - fromDay) * 24,
    toId: idOf(line, e.to),
    role: ESCALATION_ROLE[e.to],
    ...(e.to === 'hr' ? {} : { resolve: e.to }),
  }));

/** A plan's requests go out at the policy's send hour in the recipient's zone, off its quiet days. */
export const windowOf = (policy: PlanPolicy, timeZone: string) => ({
  timeZone,
  sendHour: policy.sendHour,
  quietDays: policy.quietDays,
});

/** The end of the local day `days` after `at`, in the zone: what "in three days" means to a person. */
export const daysFrom = (at: Date | string, days: number, timeZone: string): string =>
  endOfLocalDay(addLocalDays(localDay(at, timeZone), days), timeZone).toISOString();

export const itemRequestId = (planId: string, itemId: string, round: number): string =>
  stableId(planId, itemId, String(round));

type Base = { planId: string; policy: PlanPolicy };

/** The owner's request of an item: where it stands, due on the item's date. */
export const ownerRequest = (
  plan: Base,
  item: Pick<PlanItem, 'itemId' | 'title' | 'dueAt'>,
  line: Line,
  round: number,
  at: string,
): HumanRequest => {
  const { policy } = plan;
  return {
    requestId: itemRequestId(plan.planId, item.itemId, round),
    kind: 'action-item',
    recipientId: line.owner.employeeId,
    subjectId: line.owner.employeeId,
    planId: plan.planId,
    itemId: item.itemId,
    title: item.title,
    dueAt: item.dueAt,
    closeAt: addDays(item.dueAt, policy.closeAfterDays).toISOString(),
    reminderHoursBefore: [...new Set(policy.reminders.daysBefore)].sort((a, b) => b - a).map((d) => d * 24),
    escalations: chain(policy.escalation, line),
    sendWindow: windowOf(policy, line.owner.timeZone),
    status: 'pending',
    remindersSent: 0,
    remindersAtOpen: true,
    escalationsSent: 0,
    createdAt: at,
  };
};

/**
 * The manager's request to decide on an item: blocked, or a date later than the owner may choose. It
 * reaches the manager at their next send slot; unanswered, it climbs the rest of the policy's chain
 * (the steps after the manager), spaced as in the policy.
 */
export const decisionRequest = (
  plan: Base,
  item: Pick<PlanItem, 'itemId' | 'title'>,
  line: Line,
  round: number,
  note: string,
  manager: Employee | undefined,
  at: string,
): HumanRequest => {
  const { policy } = plan;
  const managerStep = policy.escalation.find((e) => e.to === 'manager')?.afterDays ?? 0;
  const above = policy.escalation.filter((e) => e.to === 'skip-level' || e.to === 'hr');
  const timeZone = manager?.timeZone ?? line.owner.timeZone;
  const dueAt = daysFrom(at, policy.blocked.decisionDays, timeZone);
  return {
    requestId: itemRequestId(plan.planId, item.itemId, round),
    kind: 'item-decision',
    recipientId: line.managerId,
    subjectId: line.owner.employeeId,
    planId: plan.planId,
    itemId: item.itemId,
    title: item.title,
    note,
    dueAt,
    closeAt: addDays(dueAt, Math.max(1, policy.closeAfterDays - managerStep)).toISOString(),
    reminderHoursBefore: [24],
    escalations: chain(above, line, managerStep),
    // Without a manager the decision is HR's, who get their email at once.
    ...(line.managerId === 'hr' ? {} : { sendWindow: windowOf(policy, timeZone) }),
    status: 'pending',
    remindersSent: 0,
    escalationsSent: 0,
    createdAt: at,
  };
};

/** A line of an item's history. */
export type HistoryEntry = PlanItem['history'][number];

/**
 * The writes that move an item on to its next request, in one transaction with whatever settles the
 * current one: the item names the new request (only if it still names the current one, so a retry
 * or a race moves it once) and records why; the new request is created once.
 */
export const advanceWrites = (
  item: PlanItem,
  next: HumanRequest | undefined,
  changes: Partial<
    Pick<
      PlanItem,
      | 'status'
      | 'dueAt'
      | 'agreedDueAt'
      | 'newDates'
      | 'blockedReason'
      | 'doneAt'
      | 'evidence'
      | 'mentorId'
      | 'title'
    >
  > & {
    proposedDueAt?: string | null;
  },
  entry: HistoryEntry,
): Params[] => {
  const { proposedDueAt, ...set } = changes;
  const patch = db()
    .planItem.patch({ planId: item.planId, itemId: item.itemId })
    .set({
      ...set,
      ...(proposedDueAt ? { proposedDueAt } : {}),
      ...(next ? { requestId: next.requestId, round: item.round + 1 } : {}),
    })
    .add({ revision: 1 })
    .append({ history: [entry] });
  const update = (proposedDueAt === null ? patch.remove(['proposedDueAt']) : patch)
    .where((a, op) => op.eq(a.requestId, item.requestId))
    .params();
  return [{ Update: update }, ...(next ? [{ Put: db().request.create(next).params() }] : [])];
};
