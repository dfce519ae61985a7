import { DEFAULT_PLAN_POLICY, type PlanItemKind, type PlanPolicy } from '../catalog/documents';
import { storedDocument } from '../catalog/store';
import { missingEmployees } from '../people/org';
import { recordAudit } from '../platform/audit';
import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { keyedId, planExecution } from '../platform/ids';
import { db, ignoreConditionFailure, type Plan, type PlanItem } from '../platform/table';
import { isFollowed, type Line, lineOf, ownerRequest } from './items';

/*
 * Development plans: an employee's items (training, coaching, mentoring, stretch assignments,
 * practice), each with a due date, the competency it develops and a definition of done, followed up
 * under a plan policy from the catalog (./items.ts, ./step-kinds.ts), and what HR, the owner, their
 * reporting line and mentors read of them.
 */

export type NewItem = {
  kind?: PlanItemKind | undefined;
  title: string;
  dueAt: Date;
  competencyId?: string | undefined;
  definitionOfDone?: string | undefined;
  mentorId?: string | undefined;
  sessionEveryDays?: number | undefined;
};

/** A plan as HR or the owner's direct manager sets it. */
export type NewPlan = {
  ownerId: string;
  title: string;
  origin?: Plan['origin'] | undefined;
  cycleId?: string | undefined;
  /** The plan policy it follows; the catalog's "development" policy (or the defaults) when none is named. */
  policyId?: string | undefined;
  items: NewItem[];
};

export type PlanRefusal =
  | { outcome: 'unknown-owner' }
  | { outcome: 'unknown-policy'; policyId: string }
  /** An improvement plan names another policy than the one HR keeps for them. */
  | { outcome: 'improvement-policy'; policyId: string }
  | { outcome: 'unknown-mentor'; index: number; mentorId: string };

export type PlanOutcome = { outcome: 'created'; plan: Plan } | PlanRefusal;

/** The policy a performance-improvement plan follows, once HR has stored it. */
export const IMPROVEMENT_POLICY_ID = 'performance-improvement';

/** The policy stored under the id, or the defaults for "development" when HR has not written one. */
export const policyById = async (policyId: string): Promise<PlanPolicy | undefined> => {
  const stored = (await storedDocument('planPolicy', policyId))?.doc as PlanPolicy | undefined;
  if (stored) return stored;
  return policyId === DEFAULT_PLAN_POLICY.id ? DEFAULT_PLAN_POLICY : undefined;
};

/** Coaching and mentoring meet every two weeks unless the item says otherwise. */
export const DEFAULT_SESSION_DAYS = 14;

/** Days between an item's sessions; undefined for an item that has none. */
export const sessionDays = (item: Pick<NewItem, 'kind' | 'sessionEveryDays'>): number | undefined =>
  item.kind === 'coaching' || item.kind === 'mentoring'
    ? (item.sessionEveryDays ?? DEFAULT_SESSION_DAYS)
    : undefined;

/** Item ids are numbered in the order items join the plan: i1, i2, … */
export const itemIdOf = (n: number): string => `i${n}`;

export const newItemRecord = (
  plan: Pick<Plan, 'planId' | 'ownerId'> & { policy: PlanPolicy },
  item: NewItem,
  itemId: string,
  line: Line,
  actor: string,
  at: string,
) => {
  const dueAt = item.dueAt.toISOString();
  const request = ownerRequest(plan, { itemId, title: item.title, dueAt }, line, 1, at);
  const record: PlanItem = {
    planId: plan.planId,
    itemId,
    ownerId: plan.ownerId,
    kind: item.kind ?? 'practice',
    title: item.title,
    ...(item.competencyId ? { competencyId: item.competencyId } : {}),
    ...(item.definitionOfDone ? { definitionOfDone: item.definitionOfDone } : {}),
    ...(item.mentorId ? { mentorId: item.mentorId } : {}),
    ...(item.sessionEveryDays ? { sessionEveryDays: item.sessionEveryDays } : {}),
    dueAt,
    agreedDueAt: dueAt,
    newDates: 0,
    ...(sessionDays(item) ? { nextSessionAt: addDays(at, sessionDays(item) as number).toISOString() } : {}),
    sessions: 0,
    sessionsHeld: 0,
    status: 'open',
    requestId: request.requestId,
    round: 1,
    history: [{ at, by: actor, what: 'added', dueAt }],
    createdAt: at,
    revision: 1,
  };
  return { record, request };
};

/** Mentors named on items who are not (active) employees, or are the owner themself. */
export const badMentor = async (input: {
  ownerId: string;
  items: Array<Pick<NewItem, 'mentorId'>>;
}): Promise<{ index: number; mentorId: string } | undefined> => {
  const ids = input.items.map((i) => i.mentorId).filter((m): m is string => m !== undefined);
  const { missing } = await missingEmployees(ids);
  const index = input.items.findIndex(
    (i) => i.mentorId !== undefined && (missing.includes(i.mentorId) || i.mentorId === input.ownerId),
  );
  const mentorId = input.items[index]?.mentorId;
  return mentorId === undefined ? undefined : { index, mentorId };
};

/**
 * Creates a development plan for an employee, starts its follow-up and records it in the audit trail.
 * A retried request with the same idempotency key creates the same plan once.
 */
/**
 * The policy a new plan follows: the one it names, else the default; an improvement plan follows
 * HR's performance-improvement policy whenever HR has stored one, and may name no other.
 */
const policyFor = async (
  input: Pick<NewPlan, 'origin' | 'policyId'>,
): Promise<{ policyId: string; policy: PlanPolicy } | PlanRefusal> => {
  const improvement =
    input.origin === 'improvement' &&
    (await storedDocument('planPolicy', IMPROVEMENT_POLICY_ID)) !== undefined;
  if (improvement && input.policyId !== undefined && input.policyId !== IMPROVEMENT_POLICY_ID)
    return { outcome: 'improvement-policy', policyId: input.policyId };
  const policyId = improvement ? IMPROVEMENT_POLICY_ID : (input.policyId ?? DEFAULT_PLAN_POLICY.id);
  const policy = await policyById(policyId);
  return policy ? { policyId, policy } : { outcome: 'unknown-policy', policyId };
};

/**
 * What a new plan, started at once or drafted, must have: an owner still with the company, a policy,
 * and mentors who are active colleagues other than the owner. Gives the owner's reporting line and
 * the policy it follows.
 */
export const checkNewPlan = async (
  input: NewPlan,
): Promise<{ outcome: 'ok'; line: Line; policyId: string; policy: PlanPolicy } | PlanRefusal> => {
  const line = await lineOf(input.ownerId);
  if (!line || line.owner.status === 'left') return { outcome: 'unknown-owner' };
  const policy = await policyFor(input);
  if ('outcome' in policy) return policy;
  const mentor = await badMentor(input);
  if (mentor) return { outcome: 'unknown-mentor', ...mentor };
  return { outcome: 'ok', line, ...policy };
};

/**
 * Check-in rounds fall every `everyDays` days counted from this Monday, the same days for every plan
 * under a policy: a manager's reports check in together, and the manager reads their updates in one
 * email (./check-ins.ts).
 */
const ROUNDS_FROM = Date.UTC(2024, 0, 1);

/**
 * A plan's first check-in, as the plan field it sets: the first round at least half the cadence
 * after the plan starts, so none comes days after the start.
 */
export const firstCheckIn = (policy: PlanPolicy, at: string): Pick<Plan, 'nextCheckInAt'> => {
  const period = policy.checkIns.everyDays * 86_400_000;
  if (period <= 0) return {};
  const rounds = Math.ceil((Date.parse(at) + period / 2 - ROUNDS_FROM) / period);
  return { nextCheckInAt: new Date(ROUNDS_FROM + rounds * period).toISOString() };
};

export const createPlan = async (
  input: NewPlan,
  actor: string,
  idempotencyKey: string | undefined,
): Promise<PlanOutcome> => {
  const checked = await checkNewPlan(input);
  if (checked.outcome !== 'ok') return checked;
  const { line, policyId, policy } = checked;
  const at = now().toISOString();
  const plan: Plan = {
    planId: keyedId(idempotencyKey, 'plan'),
    ownerId: input.ownerId,
    title: input.title,
    status: 'active',
    origin: input.origin ?? 'manual',
    ...(input.cycleId ? { cycleId: input.cycleId } : {}),
    policyId,
    policy,
    openItems: input.items.length,
    itemCount: input.items.length,
    checkIns: 0,
    ...firstCheckIn(policy, at),
    createdAt: at,
    createdBy: actor,
  };
  const items = input.items.map((item, i) =>
    newItemRecord({ ...plan, policy }, item, itemIdOf(i + 1), line, actor, at),
  );
  // Items and their first requests before the plan: a retry that finds the plan finds them too.
  await Promise.all(
    items.flatMap(({ record, request }) => [
      db().planItem.create(record).go().catch(ignoreConditionFailure),
      db().request.create(request).go().catch(ignoreConditionFailure),
    ]),
  );
  await db().plan.create(plan).go().catch(ignoreConditionFailure);
  const stored = (await planById(plan.planId)) ?? plan;
  await startOnce(config.planStateMachineArn, planExecution(stored.planId), {
    planId: stored.planId,
  });
  await recordAudit(`plan#${stored.planId}`, actor, 'plan.created', {
    ownerId: stored.ownerId,
    policyId,
    items: stored.itemCount,
  });
  return { outcome: 'created', plan: stored };
};

/** One plan by id, or undefined when there is none. */
export const planById = async (planId: string): Promise<Plan | undefined> =>
  (await db().plan.get({ planId }).go({ consistent: true })).data ?? undefined;

export const itemsOf = async (planId: string): Promise<PlanItem[]> =>
  (await db().planItem.query.byPlan({ planId }).go({ pages: 'all', consistent: true })).data;

export const itemById = async (planId: string, itemId: string): Promise<PlanItem | undefined> =>
  (await db().planItem.get({ planId, itemId }).go({ consistent: true })).data ?? undefined;

/** Still to be done, and past its due date. */
export const isOverdue = (item: Pick<PlanItem, 'status' | 'dueAt'>, at: Date = now()): boolean =>
  isFollowed(item) && Date.parse(item.dueAt) < at.getTime();

/** An item as the API shows it. */
export const itemView = (item: PlanItem, at: Date = now()) => {
  const { planId: _plan, requestId: _request, round: _round, endedAt: _ended, ...shown } = item;
  return { ...shown, overdue: isOverdue(item, at) };
};

/**
 * A plan as the API shows it: the plan without its policy's text, and its items. An item of a plan
 * that has ended is nobody's to chase: it is never shown overdue.
 */
export const planView = (plan: Plan, items: PlanItem[]) => {
  const { policy: _policy, ...shown } = plan;
  const at = now();
  const chased = (i: PlanItem) => plan.status === 'active' && isOverdue(i, at);
  return {
    ...shown,
    items: items.map((i) => ({ ...itemView(i, at), overdue: chased(i) })),
    overdueItems: items.filter(chased).length,
  };
};

/** The plans of one employee, newest first. */
export const plansOf = async (ownerId: string): Promise<Plan[]> =>
  (await db().plan.query.byOwner({ ownerId }).go({ pages: 'all', order: 'desc' })).data;

/** The plans of a manager's direct reports. */
export const plansOfTeam = async (managerId: string): Promise<Plan[]> => {
  const reports = (await db().employee.query.byManager({ managerId }).go({ pages: 'all' })).data;
  return (await Promise.all(reports.map((r) => plansOf(r.employeeId)))).flat();
};

/** The items a mentor mentors, with the plans they belong to. */
export const mentoredItems = async (mentorId: string): Promise<PlanItem[]> =>
  (await db().planItem.query.byMentor({ mentorId }).go({ pages: 'all' })).data;

/**
 * One page of every plan, newest first, of one status or all, each with its items: HR's view across
 * the organisation. `cursor` is the previous page's `next`; a status filters the page, so a page may
 * hold fewer than `limit` plans and still have a next one.
 */
export const plansPage = async (
  options: { status?: Plan['status'] | undefined; cursor?: string | undefined; limit?: number } = {},
): Promise<{ plans: Array<{ plan: Plan; items: PlanItem[] }>; next: string | undefined }> => {
  const { status, cursor, limit = 50 } = options;
  const query = db().plan.query.all({});
  const page = await (status ? query.where((a, op) => op.eq(a.status, status)) : query).go({
    cursor: cursor ?? null,
    limit,
    order: 'desc',
  });
  const plans = await Promise.all(
    page.data.map(async (plan) => ({ plan, items: await itemsOf(plan.planId) })),
  );
  return { plans, next: page.cursor ?? undefined };
};

/** Active plans with at least one overdue item. Reads every plan in pages: an HR report, not a hot path. */
export const overduePlans = async (): Promise<Array<{ plan: Plan; items: PlanItem[] }>> => {
  const plans = (await db().plan.query.all({}).go({ pages: 'all' })).data.filter(
    (p) => p.status === 'active',
  );
  const at = now();
  const withItems = await Promise.all(
    plans.map(async (plan) => ({ plan, items: await itemsOf(plan.planId) })),
  );
  return withItems.filter(({ items }) => items.some((i) => isOverdue(i, at)));
};

/** How an item ended, in a few words for the next appraisal. */
const outcomeOf = (i: PlanItem): string =>
  i.status === 'done'
    ? i.doneAt && i.doneAt <= i.dueAt
      ? 'done on time'
      : 'done late'
    : isFollowed(i)
      ? `${i.status}, due ${i.dueAt.slice(0, 10)}`
      : i.status;

/**
 * What the employee's development plans did for each competency since the review of `cycleId`'s
 * predecessors: per competency id, each item's title and outcome, and the rating and expectation it
 * started from when the plan came from a review. Shown to the manager beside the rating they give now.
 */
export const developedByCompetency = async (
  employeeId: string,
  cycleId: string,
): Promise<Record<string, string[]>> => {
  const lines: Record<string, string[]> = {};
  for (const plan of await plansOf(employeeId)) {
    if (plan.cycleId === cycleId) continue;
    const review = plan.cycleId
      ? (await db().review.get({ cycleId: plan.cycleId, employeeId }).go()).data
      : undefined;
    const gaps = (
      review?.gapAnalysis as
        | { items?: Array<{ competencyId: string; manager: number | null; expected: number | null }> }
        | undefined
    )?.items;
    for (const item of await itemsOf(plan.planId)) {
      if (!item.competencyId) continue;
      const before = gaps?.find((g) => g.competencyId === item.competencyId);
      const from =
        before?.manager != null && before.expected != null
          ? ` (before: rated ${before.manager}, ${before.expected} expected)`
          : '';
      lines[item.competencyId] = [
        ...(lines[item.competencyId] ?? []),
        `“${item.title}”: ${outcomeOf(item)}${from}`,
      ];
    }
  }
  return lines;
};
