import { now } from '../platform/clock';
import { db, type Plan, type PlanItem } from '../platform/table';
import type { MoreColumns } from '../reviews/export';
import { isOverdue, itemsOf, plansOf } from './plans';

/*
 * The development plans a cycle's reviews led to, as HR reads them beside the cycle: counts in its
 * status (counts, and each plan in a line), four columns per participant in its export. Such a plan names its cycle (`cycleId`). There
 * is no index of plans by cycle: the cycle's reviews name its participants, and each participant's
 * plans are read by owner and kept when they name the cycle; a participant has a few plans at most.
 */

export type CyclePlan = { plan: Plan; items: PlanItem[] };

/** One participant's plans from the cycle (usually one), newest first, with their items. */
export const cyclePlansOf = async (cycleId: string, employeeId: string): Promise<CyclePlan[]> => {
  const plans = (await plansOf(employeeId)).filter((p) => p.cycleId === cycleId);
  return Promise.all(plans.map(async (plan) => ({ plan, items: await itemsOf(plan.planId) })));
};

/** Every plan from the cycle, its participants read from its reviews. */
export const cyclePlans = async (cycleId: string): Promise<CyclePlan[]> => {
  const reviews = (
    await db()
      .review.query.byCycle({ cycleId })
      .go({ pages: 'all', attributes: ['employeeId'] })
  ).data;
  return (await Promise.all(reviews.map((r) => cyclePlansOf(cycleId, r.employeeId)))).flat();
};

/**
 * Items still to do past their due date, in plans still followed up: a cancelled or closed plan's
 * open items are nobody's to chase any more, so they are not overdue.
 */
const overdueIn = ({ plan, items }: CyclePlan, at: Date): number =>
  plan.status === 'active' ? items.filter((i) => isOverdue(i, at)).length : 0;

export type CyclePlanCounts = {
  total: number;
  /** Drafted from a review, waiting for the employee and their manager to agree. */
  draft: number;
  active: number;
  closed: number;
  cancelled: number;
  /** `overdue` counts open and blocked items, so it overlaps them; the other five add up to `total`. */
  items: Record<'total' | 'done' | 'open' | 'blocked' | 'overdue' | 'missed' | 'dropped', number>;
};

/** The cycle status's plans block: plans by status, their items by status and how many are overdue. */
export const planCounts = (plans: CyclePlan[], at: Date = now()): CyclePlanCounts => {
  const counts: CyclePlanCounts = {
    total: plans.length,
    draft: 0,
    active: 0,
    closed: 0,
    cancelled: 0,
    items: { total: 0, done: 0, open: 0, blocked: 0, overdue: 0, missed: 0, dropped: 0 },
  };
  for (const entry of plans) {
    counts[entry.plan.status] += 1;
    counts.items.total += entry.items.length;
    for (const item of entry.items) counts.items[item.status] += 1;
    counts.items.overdue += overdueIn(entry, at);
  }
  return counts;
};

/** Each plan from the cycle in a line: whose, its status, and its items done, blocked and overdue. */
export const planSummaries = (plans: CyclePlan[], at: Date = now()) =>
  plans.map((entry) => ({
    planId: entry.plan.planId,
    ownerId: entry.plan.ownerId,
    title: entry.plan.title,
    status: entry.plan.status,
    items: entry.items.length,
    done: entry.items.filter((i) => i.status === 'done').length,
    blocked: entry.items.filter((i) => i.status === 'blocked').length,
    overdue: overdueIn(entry, at),
  }));

export const PLAN_EXPORT_COLUMNS = ['plan_status', 'plan_items', 'plan_done', 'plan_overdue'] as const;

/**
 * A participant's plan columns: its status, how many items it has, how many are done and overdue;
 * several plans (rare) give their statuses newest first and their items summed; none, empty cells.
 */
export const planCells = (plans: CyclePlan[], at: Date = now()): Array<string | number> => {
  if (plans.length === 0) return PLAN_EXPORT_COLUMNS.map(() => '');
  const sum = (of: (entry: CyclePlan) => number) => plans.reduce((n, entry) => n + of(entry), 0);
  return [
    plans.map((p) => p.plan.status).join('; '),
    sum((p) => p.items.length),
    sum((p) => p.items.filter((i) => i.status === 'done').length),
    sum((p) => overdueIn(p, at)),
  ];
};

/** The export's plan columns for a cycle, read per participant as the export writes their row. */
export const planColumns = (cycleId: string): MoreColumns => ({
  columns: PLAN_EXPORT_COLUMNS,
  cells: async (employeeId) => planCells(await cyclePlansOf(cycleId, employeeId)),
});
