import type { PlanPolicy } from '../catalog/documents';
import type { AnswerStorage, StepKind, StepKinds } from '../human-steps/kinds';
import { localDate, noticeEmail } from '../mail/compose';
import { sendOnce } from '../mail/send';
import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { db, type HumanRequest, ignoreConditionFailure, type Plan, type PlanItem } from '../platform/table';
import { advanceWrites, decisionRequest, isFollowed, lineOf, ownerGone, ownerRequest } from './items';

/*
 * What a plan item's requests add to the generic human step (domain/human-steps/kinds.ts): the owner's
 * answer (done, blocked, a new date) and the manager's decision move the item on and, where the chain
 * goes on, create its next request in the same transaction; the settling tells the item's workflow
 * which request comes next; a request of a cancelled plan, a dropped item or a leaver is withdrawn.
 */

/** The owner's one-click answers. */
export type ItemAnswer =
  | { choice: 'done'; link?: string | undefined; note?: string | undefined }
  | { choice: 'blocked'; reason: string }
  | { choice: 'new-date'; dueAt: string; note?: string | undefined };

/** The manager's decision on a blocked item or a date beyond the policy's limit. */
export type Decision =
  | { decision: 'unblock'; dueAt?: string | undefined; note?: string | undefined }
  | { decision: 'new-date'; dueAt: string; note?: string | undefined }
  | { decision: 'drop'; note?: string | undefined };

type Context = { plan: Plan & { policy: PlanPolicy }; item: PlanItem };

const contextOf = async (req: HumanRequest): Promise<Context | undefined> => {
  if (!req.planId || !req.itemId) return undefined;
  const [plan, item] = await Promise.all([
    db().plan.get({ planId: req.planId }).go({ consistent: true }),
    db().planItem.get({ planId: req.planId, itemId: req.itemId }).go({ consistent: true }),
  ]);
  return plan.data && item.data ? { plan: plan.data, item: item.data } : undefined;
};

/** No longer wanted: the plan is not active, the item is over, or its owner left. */
const withdrawn = async (req: HumanRequest): Promise<boolean> => {
  const ctx = await contextOf(req);
  if (ctx?.plan.status !== 'active' || !isFollowed(ctx.item)) return true;
  return ownerGone(ctx.plan.ownerId);
};

const NOT_MOVED: AnswerStorage = { writes: [], storedElsewhere: false };

/** Whether an owner may move the item to `dueAt` on their own, under the plan's policy. */
export const withinLimit = (item: PlanItem, policy: PlanPolicy, dueAt: string): boolean =>
  item.newDates < policy.newDates.maxTimes &&
  Date.parse(dueAt) <= addDays(item.agreedDueAt, policy.newDates.maxDaysLater).getTime();

const ownerAnswer = async (req: HumanRequest, answer: ItemAnswer, at: string): Promise<AnswerStorage> => {
  const ctx = await contextOf(req);
  // An answer to a request the item has moved on from changes nothing but that request.
  if (!ctx || ctx.item.requestId !== req.requestId) return NOT_MOVED;
  const { plan, item } = ctx;
  const by = req.recipientId;
  if (answer.choice === 'done') {
    const evidence = {
      ...(answer.link ? { link: answer.link } : {}),
      ...(answer.note ? { note: answer.note } : {}),
    };
    return {
      writes: advanceWrites(
        item,
        undefined,
        { status: 'done', doneAt: at, ...(answer.link || answer.note ? { evidence } : {}) },
        { at, by, what: 'done', ...(answer.note ? { note: answer.note } : {}) },
      ),
      storedElsewhere: true,
    };
  }
  const line = await lineOf(plan.ownerId);
  if (!line) return NOT_MOVED;
  const manager =
    line.managerId === 'hr'
      ? undefined
      : ((await db().employee.get({ employeeId: line.managerId }).go()).data ?? undefined);
  if (answer.choice === 'blocked') {
    const next = decisionRequest(
      plan,
      item,
      line,
      item.round + 1,
      `it is blocked: “${answer.reason}”`,
      manager,
      at,
    );
    return {
      writes: advanceWrites(
        item,
        next,
        { status: 'blocked', blockedReason: answer.reason },
        { at, by, what: 'blocked', note: answer.reason },
      ),
      storedElsewhere: true,
      ...(plan.policy.blocked.tellHr
        ? {
            after: async () => {
              await sendOnce({
                key: `${req.requestId}#blocked#hr`,
                kind: 'item-decision.notice',
                toId: 'hr',
                toAddress: config.hrAddress,
                requestId: req.requestId,
                email: noticeEmail({
                  subject: `Blocked: a development action of ${line.owner.name}`,
                  lines: [
                    `${line.owner.name}'s development action “${item.title}” (plan “${plan.title}”) is blocked: “${answer.reason}”.`,
                    'Their manager has been asked to decide: unblock it, give it a new date, or drop it.',
                  ],
                }),
              });
            },
          }
        : {}),
    };
  }
  if (withinLimit(item, plan.policy, answer.dueAt)) {
    const next = ownerRequest(plan, { ...item, dueAt: answer.dueAt }, line, item.round + 1, at);
    return {
      writes: advanceWrites(
        item,
        next,
        { dueAt: answer.dueAt, newDates: item.newDates + 1 },
        { at, by, what: 'new date', dueAt: answer.dueAt, ...(answer.note ? { note: answer.note } : {}) },
      ),
      storedElsewhere: true,
    };
  }
  const when = localDate(answer.dueAt, line.owner.timeZone);
  const next = decisionRequest(
    plan,
    item,
    line,
    item.round + 1,
    `they ask to move it to ${when}, later than the plan lets them on their own`,
    manager,
    at,
  );
  return {
    writes: advanceWrites(
      item,
      next,
      { proposedDueAt: answer.dueAt },
      { at, by, what: 'new date asked', dueAt: answer.dueAt, ...(answer.note ? { note: answer.note } : {}) },
    ),
    storedElsewhere: true,
  };
};

/** A week from now, at the least: an unblocked item whose date has passed gets that long. */
const ONE_WEEK = 7;

const managerDecision = async (req: HumanRequest, answer: Decision, at: string): Promise<AnswerStorage> => {
  const ctx = await contextOf(req);
  if (!ctx || ctx.item.requestId !== req.requestId) return NOT_MOVED;
  const { plan, item } = ctx;
  const by = req.recipientId;
  const note = answer.note ? { note: answer.note } : {};
  if (answer.decision === 'drop') {
    return {
      writes: advanceWrites(
        item,
        undefined,
        { status: 'dropped', proposedDueAt: null },
        { at, by, what: 'dropped', ...note },
      ),
      storedElsewhere: true,
    };
  }
  const line = await lineOf(plan.ownerId);
  if (!line) return NOT_MOVED;
  const fallback = Date.parse(item.dueAt) > Date.parse(at) ? item.dueAt : addDays(at, ONE_WEEK).toISOString();
  const dueAt = answer.dueAt ?? (answer.decision === 'unblock' ? fallback : (item.proposedDueAt ?? fallback));
  const next = ownerRequest(plan, { ...item, dueAt }, line, item.round + 1, at);
  return {
    writes: advanceWrites(
      item,
      next,
      { status: 'open', dueAt, agreedDueAt: dueAt, proposedDueAt: null },
      { at, by, what: answer.decision === 'unblock' ? 'unblocked' : 'new date agreed', dueAt, ...note },
    ),
    storedElsewhere: true,
  };
};

/**
 * What the item's workflow is told when a request settles: the request the item goes on to, if its
 * chain goes on. A request that closed unanswered while it was still the item's leaves the item missed.
 */
const settled: StepKind['settled'] = async (req, answer) => {
  const ctx = await contextOf(req);
  if (!ctx) return {};
  const { plan, item } = ctx;
  if (item.requestId !== req.requestId)
    return isFollowed(item) && plan.status === 'active' ? { nextRequestId: item.requestId } : {};
  if (answer !== undefined || !isFollowed(item) || (await withdrawn(req))) return {};
  const at = now().toISOString();
  await db()
    .planItem.patch({ planId: item.planId, itemId: item.itemId })
    .set({ status: 'missed' })
    .append({ history: [{ at, by: 'growcycle', what: 'missed' }] })
    .where((a, op) => `${op.eq(a.requestId, req.requestId)} AND ${op.eq(a.status, item.status)}`)
    .go()
    .catch(ignoreConditionFailure);
  return {};
};

const ITEM_KIND: Record<PlanItem['kind'], string> = {
  training: 'Training or course',
  coaching: 'Coaching with your manager',
  mentoring: 'Mentoring',
  stretch: 'Stretch assignment',
  practice: 'Reading or practice',
};

const itemDetails = async (req: HumanRequest): Promise<string[]> => {
  const ctx = await contextOf(req);
  if (!ctx) return [];
  const { item } = ctx;
  return [
    ITEM_KIND[item.kind],
    ...(item.definitionOfDone ? [`Done when: ${item.definitionOfDone}`] : []),
    ...(req.kind === 'item-decision' && item.blockedReason && item.status === 'blocked'
      ? [`Blocked: ${item.blockedReason}`]
      : []),
  ];
};

/** The answers an action item's email offers, one link each. */
export const ACTION_ITEM_CHOICES = [
  { label: 'Done', choice: 'done' },
  { label: 'Blocked', choice: 'blocked' },
  { label: 'Needs a new date', choice: 'new-date' },
];

/** The decisions a blocked item's email offers its owner's manager. */
export const ITEM_DECISION_CHOICES = [
  { label: 'Unblock', choice: 'unblock' },
  { label: 'New date', choice: 'new-date' },
  { label: 'Drop it', choice: 'drop' },
];

export const planStepKinds: StepKinds = {
  'action-item': {
    answer: (req, answer, at) => ownerAnswer(req, answer as ItemAnswer, at),
    settled,
    withdrawn,
    email: async (req) => ({
      details: await itemDetails(req),
      choices: ACTION_ITEM_CHOICES,
    }),
  },
  'item-decision': {
    answer: (req, answer, at) => managerDecision(req, answer as Decision, at),
    settled,
    withdrawn,
    email: async (req) => ({
      details: await itemDetails(req),
      choices: ITEM_DECISION_CHOICES,
    }),
  },
};
