import { describe, expect, it } from 'vitest';
import type { CalibrationRow } from '../../domain/reviews/calibration';
import { distribution } from '../../functions/api/pages/hr-calibration';
import { phaseProgress } from '../../functions/api/pages/hr-cycles';
import { completion } from '../../functions/api/pages/hr-plans';

/* The figures HR's console pages draw: phase progress, rating distributions, plan completion. */

const row = (
  employeeId: string,
  department: string | undefined,
  final: number | undefined,
): CalibrationRow => ({
  employeeId,
  name: employeeId,
  department,
  managerId: 'm1',
  managerName: 'Ingrid',
  status: 'completed',
  rating: final,
  final,
  calibration: undefined,
});

describe('rating distributions', () => {
  it('counts rated participants per group at the nearest point of the scale, groups by name', () => {
    const out = distribution(
      [
        row('a', 'Sales', 3),
        row('b', 'Engineering', 3.4),
        row('c', 'Engineering', 4.6),
        row('d', 'Engineering', undefined),
        row('e', undefined, 9),
      ],
      { min: 1, max: 5 },
      (r) => r.department ?? 'No department',
    );
    expect(out).toEqual([
      { label: 'Engineering', counts: [0, 0, 1, 0, 1] },
      { label: 'No department', counts: [0, 0, 0, 0, 1] },
      { label: 'Sales', counts: [0, 0, 1, 0, 0] },
    ]);
  });
});

describe('phase progress', () => {
  it('lists the phases a cycle has requests in, in review order, done of all sent', () => {
    const none = { pending: 0, open: 0, submitted: 0, expired: 0 };
    const out = phaseProgress({
      'self-assessment': { pending: 0, open: 1, submitted: 3, expired: 1 },
      'peer-feedback': none,
      'manager-appraisal': { pending: 4, open: 0, submitted: 1, expired: 0 },
      'action-item': none,
      'goal-setting': { pending: 0, open: 0, submitted: 2, expired: 0 },
    } as Parameters<typeof phaseProgress>[0]);
    expect(out.map((p) => [p.label, p.done, p.total])).toEqual([
      ['Goal setting', 2, 2],
      ['Self-assessment', 3, 5],
      ['Manager appraisal', 1, 5],
    ]);
  });
});

describe('plan completion', () => {
  it('counts done items of those that count, leaving dropped ones out', () => {
    expect(
      completion([{ status: 'done' }, { status: 'open' }, { status: 'dropped' }, { status: 'missed' }]),
    ).toEqual({ done: 1, total: 3 });
  });
});
