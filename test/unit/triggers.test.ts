import { describe, expect, it } from 'vitest';
import { CATCH_UP_DAYS, selectedBy, triggeredCycleId } from '../../domain/cycles/triggers';

const person = (employeeId: string, startDate: string | undefined, extra: Record<string, unknown> = {}) => ({
  employeeId,
  status: 'active' as const,
  managerId: 'mgr',
  startDate,
  ...extra,
});

describe('review triggers', () => {
  const probation = { daysAfterStart: 180 };
  // 180 days after 3 July 2026 is 30 December 2026.
  const today = '2026-12-30';

  it('selects people whose day is today', () => {
    expect(selectedBy(probation, [person('a', '2026-07-03')], today).map((p) => p.employeeId)).toEqual(['a']);
  });

  it('makes up for the last week, so a missed daily run loses nobody, but not for older days', () => {
    const people = [person('six-days-ago', '2026-06-27'), person('a-week-ago', '2026-06-26')];
    expect(CATCH_UP_DAYS).toBe(7);
    expect(selectedBy(probation, people, today).map((p) => p.employeeId)).toEqual(['six-days-ago']);
  });

  it('does not select a day still to come', () => {
    expect(selectedBy(probation, [person('tomorrow', '2026-07-04')], today)).toEqual([]);
  });

  it('leaves out leavers, people on leave, people without a start date and the top of the organisation', () => {
    const people = [
      person('left', '2026-07-03', { status: 'left' }),
      person('leave', '2026-07-03', { status: 'on-leave' }),
      person('no-date', undefined),
      person('ceo', '2026-07-03', { managerId: undefined }),
    ];
    expect(selectedBy(probation, people, today)).toEqual([]);
  });

  it('names one cycle per trigger and person, whatever day the run finds them on', () => {
    expect(triggeredCycleId('end-of-probation', 'e1')).toBe(triggeredCycleId('end-of-probation', 'e1'));
    expect(triggeredCycleId('end-of-probation', 'e1')).not.toBe(triggeredCycleId('end-of-probation', 'e2'));
  });
});
