import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAN_POLICY } from '../../domain/catalog/documents';
import { type CyclePlan, PLAN_EXPORT_COLUMNS, planCells, planCounts } from '../../domain/plans/cycle-plans';
import type { Plan, PlanItem } from '../../domain/platform/table';

/*
 * The plans of a cycle as HR's status and export count them: plans by status, items by status, and
 * overdue only where someone still follows the item up.
 */

const AT = new Date('2027-03-15T12:00:00Z');
const PAST = '2027-03-10T21:59:59.000Z';
const FUTURE = '2027-04-10T21:59:59.000Z';

const plan = (planId: string, status: Plan['status']): Plan => ({
  planId,
  ownerId: 'p1',
  title: `Plan ${planId}`,
  status,
  origin: 'review',
  cycleId: 'c1',
  policyId: 'development',
  policy: DEFAULT_PLAN_POLICY,
  openItems: 0,
  itemCount: 0,
  checkIns: 0,
  createdAt: '2027-03-01T08:00:00.000Z',
  createdBy: 'hr-1',
});

const item = (itemId: string, status: PlanItem['status'], dueAt: string): PlanItem => ({
  planId: 'x',
  itemId,
  ownerId: 'p1',
  kind: 'practice',
  title: itemId,
  sessions: 0,
  sessionsHeld: 0,
  revision: 1,
  dueAt,
  agreedDueAt: dueAt,
  newDates: 0,
  status,
  requestId: `r-${itemId}`,
  round: 1,
  history: [],
  createdAt: '2027-03-01T08:00:00.000Z',
});

const active: CyclePlan = {
  plan: plan('a', 'active'),
  items: [
    item('i1', 'done', PAST),
    item('i2', 'open', PAST),
    item('i3', 'blocked', PAST),
    item('i4', 'open', FUTURE),
  ],
};
const cancelled: CyclePlan = {
  plan: plan('b', 'cancelled'),
  items: [item('i1', 'open', PAST), item('i2', 'dropped', PAST)],
};
const closed: CyclePlan = {
  plan: plan('c', 'closed'),
  items: [item('i1', 'missed', PAST), item('i2', 'done', FUTURE)],
};

describe('the plans block of a cycle’s status', () => {
  it('counts plans by status and their items by status', () => {
    const counts = planCounts([active, cancelled, closed], AT);
    expect(counts).toEqual({
      total: 3,
      draft: 0,
      active: 1,
      closed: 1,
      cancelled: 1,
      items: { total: 8, done: 2, open: 3, blocked: 1, overdue: 2, missed: 1, dropped: 1 },
    });
  });

  it('counts open and blocked items past their date as overdue only in an active plan', () => {
    expect(planCounts([cancelled], AT).items).toMatchObject({ open: 1, overdue: 0 });
    expect(planCounts([active], AT).items.overdue).toBe(2);
    // A day before i2 and i3 fell due, nothing was overdue.
    expect(planCounts([active], new Date('2027-03-09T12:00:00Z')).items.overdue).toBe(0);
  });

  it('is all zeros for a cycle whose reviews led to no plan', () => {
    expect(planCounts([], AT)).toEqual({
      total: 0,
      draft: 0,
      active: 0,
      closed: 0,
      cancelled: 0,
      items: { total: 0, done: 0, open: 0, blocked: 0, overdue: 0, missed: 0, dropped: 0 },
    });
  });
});

describe('the plan columns of a cycle’s export', () => {
  it('gives a participant’s plan status, items, done and overdue', () => {
    expect(PLAN_EXPORT_COLUMNS).toEqual(['plan_status', 'plan_items', 'plan_done', 'plan_overdue']);
    expect(planCells([active], AT)).toEqual(['active', 4, 1, 2]);
  });

  it('lists several plans’ statuses in order and sums their items', () => {
    expect(planCells([active, cancelled], AT)).toEqual(['active; cancelled', 6, 1, 2]);
  });

  it('leaves the cells empty for a participant without a plan from the cycle', () => {
    expect(planCells([], AT)).toEqual(['', '', '', '']);
  });
});
