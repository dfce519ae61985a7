import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { PlanPolicy } from '../catalog/documents';
import { queueNotice } from '../human-steps/digest-items';
import { person } from '../human-steps/emails';
import type { StepKind, StepKinds } from '../human-steps/kinds';
import { closeUnanswered, openRequest } from '../human-steps/step';
import type { SendWindow } from '../platform/calendar';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { resumeTask, startOnce } from '../platform/executions';
import { planItemExecution, stableId } from '../platform/ids';
import {
  db,
  type Employee,
  type HumanRequest,
  ignoreConditionFailure,
  isConditionFailure,
  type Plan,
  type PlanItem,
} from '../platform/table';
import { planWait, requestWait, storeToken, wakeWait } from '../platform/wait-tokens';
import { dueAsks } from './check-ins';
import { isFollowed, ownerGone, windowOf } from './items';
import { itemsOf, planById } from './plans';

/*
 * A plan's own workflow (workflows/development-plan.ts): it starts one follow-up per item
 * (workflows/plan-item.ts), then looks at itself at the moments it sets (a check-in or a session due,
 * an ask's time over) until its items have all ended, or its owner left, or HR cancelled it, and
 * closes it with a summary. Each item's workflow counts itself off the plan once, and the last one
 * wakes the plan.
 */

/**
 * The longest the plan waits without looking, when nothing is due: a year (a Task's timeout may be
 * far longer on AWS).
 */
const MAX_WAIT_SECONDS = 365 * 86_400;

export type ItemInput = { planId: string; itemId: string; requestId: string };

/** Starts the follow-up of one item, once: its execution is named after plan and item. */
export const startItem = (item: Pick<PlanItem, 'planId' | 'itemId' | 'requestId'>): Promise<void> =>
  startOnce(config.planItemStateMachineArn, planItemExecution(item.planId, item.itemId), {
    planId: item.planId,
    itemId: item.itemId,
    requestId: item.requestId,
  } satisfies ItemInput);

/** Starts the follow-up of every item that has not ended. Safe to retry: each starts once. */
export const startItems = async (planId: string): Promise<{ items: number }> => {
  const items = (await itemsOf(planId)).filter((i) => !i.endedAt);
  for (const item of items) await startItem(item);
  return { items: items.length };
};

export type PlanStep = { wakeInSeconds: number };

/** True once nothing more is followed up: cancelled, closed, every item ended, or the owner gone. */
const isOver = async (plan: Plan | undefined): Promise<boolean> => {
  if (plan?.status !== 'active' || plan.openItems <= 0) return true;
  return ownerGone(plan.ownerId);
};

/**
 * The plan's look at itself, at the moments it set: it asks for the check-in and the sessions now due
 * (their emails and their one reminder queued in the digest at once, so no wake-up is needed for the
 * reminder, and nothing is sent of it once answered), closes the ones whose time is over, and says
 * when it looks next. The wait that follows closes the plan when it is over.
 */
export const lookAtPlan = async (kinds: StepKinds, planId: string): Promise<PlanStep> => {
  const plan = await planById(planId);
  if (!plan || (await isOver(plan))) return { wakeInSeconds: 1 };
  const at = now();
  const items = await itemsOf(planId);
  // Asks whose time is over close at the next look (their links have expired already): a look only
  // to close them would cost two state transitions a check-in.
  await closeAsked(plan, at);
  const asks = await dueAsks(plan, items, at);
  let asked = asks.requests.map((r) => r.requestId);
  if (asks.writes.length > 0) {
    try {
      await documentClient.send(new TransactWriteCommand({ TransactItems: asks.writes }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Asked before (a retried step): the plan names what it asked.
      asked = (await planById(planId))?.asking ?? [];
    }
    // Each opens with its invitation and its one reminder queued in the digest (remindersAtOpen).
    for (const requestId of asked) await openRequest(kinds, requestId);
  }
  // Asking moved the next check-in and sessions on: read them again only then.
  const [latest, current] =
    asks.writes.length > 0 ? [(await planById(planId)) ?? plan, await itemsOf(planId)] : [plan, items];
  const upcoming = [latest.nextCheckInAt, ...current.filter(isFollowed).map((i) => i.nextSessionAt)]
    .filter((d): d is string => d !== undefined)
    .map((d) => Date.parse(d));
  const seconds = Math.ceil(
    (Math.min(...upcoming, at.getTime() + MAX_WAIT_SECONDS * 1000) - at.getTime()) / 1000,
  );
  return { wakeInSeconds: Math.max(1, seconds) };
};

/** The check-in and session requests still open. */
const openAsks = async (plan: Plan): Promise<HumanRequest[]> =>
  (
    await Promise.all(
      (plan.asking ?? []).map(
        async (requestId) => (await db().request.get({ requestId }).go({ consistent: true })).data,
      ),
    )
  ).filter((r): r is HumanRequest => r?.status === 'open' || r?.status === 'pending');

/** Closes asks whose time is over, unanswered: their links say so, and nothing more is sent of them. */
const closeAsked = async (plan: Plan, at: Date) => {
  for (const r of await openAsks(plan))
    if (Date.parse(r.closeAt) <= at.getTime()) await closeUnanswered(r.requestId);
};

/** Parks the plan's workflow until its next look; it goes on to close the plan once it is over. */
export const armPlan = async (planId: string, taskToken: string): Promise<void> => {
  await storeToken(planWait(planId), taskToken);
  if (await isOver(await planById(planId))) await resumeTask(taskToken, { over: true });
};

/**
 * Counts an item's follow-up off its plan, once (a retried step finds it counted), and wakes the plan
 * when it was the last.
 */
export const endItem = async (planId: string, itemId: string): Promise<{ openItems: number }> => {
  const at = now().toISOString();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: db()
              .planItem.patch({ planId, itemId })
              .set({ endedAt: at })
              .where((a, op) => op.notExists(a.endedAt))
              .params(),
          },
          { Update: db().plan.patch({ planId }).subtract({ openItems: 1 }).params() },
        ],
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
  const plan = await planById(planId);
  if (plan && plan.openItems <= 0) await wakeWait(planWait(planId), 'last item ended');
  return { openItems: plan?.openItems ?? 0 };
};

export type PlanSummary = {
  items: number;
  done: number;
  doneOnTime: number;
  doneLate: number;
  blocked: number;
  newDates: number;
  dropped: number;
  missed: number;
  open: number;
  /** Why items were blocked, as their owners said. */
  blockedReasons: Array<{ itemId: string; title: string; reason: string }>;
};

/** What a plan came to: what was done, on time or late, what was blocked and why, moved, dropped or missed. */
export const summarise = (items: PlanItem[]): PlanSummary => {
  const count = (status: PlanItem['status']) => items.filter((i) => i.status === status).length;
  const done = items.filter((i) => i.status === 'done');
  const onTime = done.filter((i) => i.doneAt !== undefined && i.doneAt <= i.dueAt).length;
  const blockedReasons = items.flatMap((i) =>
    i.history
      .filter((h) => h.what === 'blocked')
      .map((h) => ({ itemId: i.itemId, title: i.title, reason: h.note ?? '' })),
  );
  return {
    items: items.length,
    done: done.length,
    doneOnTime: onTime,
    doneLate: done.length - onTime,
    blocked: new Set(blockedReasons.map((b) => b.itemId)).size,
    newDates: items.reduce((n, i) => n + i.history.filter((h) => h.what === 'new date').length, 0),
    dropped: count('dropped'),
    missed: count('missed'),
    open: items.filter(isFollowed).length,
    blockedReasons,
  };
};

/**
 * Closes a plan: an active one as closed (its owner left: with that reason), a cancelled one stays
 * cancelled; either way with its summary. Items still followed up are told to stop.
 */
export const closePlan = async (planId: string): Promise<{ planId: string; summary: PlanSummary }> => {
  const plan = await planById(planId);
  if (!plan) throw new Error(`Plan ${planId} not found`);
  const items = await itemsOf(planId);
  const summary = summarise(items);
  const owner = (await db().employee.get({ employeeId: plan.ownerId }).go()).data;
  const left = !owner || owner.status === 'left';
  await db()
    .plan.patch({ planId })
    .set({
      summary,
      ...(plan.status === 'active' ? { status: 'closed' as const, closedAt: now().toISOString() } : {}),
      ...(plan.status === 'active' && left ? { endReason: 'the owner left' } : {}),
    })
    .go();
  // A plan closed while items were still followed up (the owner left): each item's wait is woken,
  // finds its request withdrawn and ends without another email.
  await withdrawItems(items);
  // A check-in or session question still open closes with the plan: its link says so.
  for (const r of await openAsks(plan)) await closeUnanswered(r.requestId);
  if (plan.status === 'active' && !left) await sendSummary(plan, owner);
  return { planId, summary };
};

/**
 * The plan's end, told to its owner and their manager (HR when there is none) at their send time, in
 * their digest: for each a request that asks nothing, stored answered, and its notice queued once.
 */
const sendSummary = async (plan: Plan & { policy: PlanPolicy }, owner: Employee) => {
  const at = now();
  for (const id of [owner.employeeId, owner.managerId ?? 'hr']) {
    const to = await person(id);
    const req: HumanRequest & { sendWindow: SendWindow } = {
      requestId: stableId(plan.planId, 'summary', id),
      kind: 'plan-summary',
      recipientId: id,
      subjectId: owner.employeeId,
      planId: plan.planId,
      title: plan.title,
      dueAt: at.toISOString(),
      closeAt: at.toISOString(),
      reminderHoursBefore: [],
      escalations: [],
      sendWindow: windowOf(plan.policy, to.timeZone),
      status: 'submitted',
      remindersSent: 0,
      escalationsSent: 0,
      createdAt: at.toISOString(),
    };
    await db().request.create(req).go().catch(ignoreConditionFailure);
    await queueNotice(req, to, at);
  }
};

/** The summary a plan's end notice gives: what was done, on time or late, and what was not. */
const summaryNotice: StepKind['notice'] = async (req) => {
  const plan = req.planId ? await planById(req.planId) : undefined;
  if (!plan?.summary) return undefined;
  // Stored by closePlan as summarise made it; the table keeps it untyped.
  const summary = plan.summary as PlanSummary;
  const [owner, items] = await Promise.all([person(plan.ownerId), itemsOf(plan.planId)]);
  return {
    subject: `Plan ended: ${plan.title}`,
    lines: [
      `The development plan “${plan.title}” of ${owner.name} has ended: ${summary.done} of ${summary.items} items done (${summary.doneOnTime} on time, ${summary.doneLate} late).`,
      ...items.map(
        (i) =>
          `${i.title}: ${i.status === 'done' ? (i.doneAt && i.doneAt <= i.dueAt ? 'done on time' : 'done late') : i.status}`,
      ),
      ...summary.blockedReasons.map((b) => `Blocked along the way: ${b.title}: “${b.reason}”`),
    ],
  };
};

export const summaryStepKinds: StepKinds = { 'plan-summary': { notice: summaryNotice } };

/** Wakes the waits of items still followed up, so each finds itself withdrawn and ends. */
export const withdrawItems = async (items: PlanItem[]): Promise<void> => {
  for (const item of items.filter((i) => !i.endedAt))
    await wakeWait(requestWait(item.requestId), 'plan item withdrawn');
};

/** Expires a request that is no longer the item's, without an email, and wakes its wait. */
export const retireRequest = async (requestId: string): Promise<void> => {
  await closeUnanswered(requestId);
  await wakeWait(requestWait(requestId), 'plan item changed');
};
