import { describe, expect, it } from 'vitest';
import { addMonths, seriesCycleName, timingsOfCycle } from '../../domain/cycles/recurrence';

describe('recurring cycles', () => {
  it('repeats on the same day of the month, or the last day of a shorter month', () => {
    expect(addMonths(new Date('2027-01-15T08:00:00Z'), 3).toISOString()).toBe('2027-04-15T08:00:00.000Z');
    expect(addMonths(new Date('2027-01-31T08:00:00Z'), 1).toISOString()).toBe('2027-02-28T08:00:00.000Z');
    expect(addMonths(new Date('2027-11-30T08:00:00Z'), 3).toISOString()).toBe('2028-02-29T08:00:00.000Z');
  });

  it('names each cycle of a series after its start month', () => {
    expect(seriesCycleName('Quarterly check-in', new Date('2027-04-01T08:00:00Z'))).toBe(
      'Quarterly check-in (April 2027)',
    );
  });

  it('gives the next cycle the same phase deadlines, in days after its start', () => {
    expect(
      timingsOfCycle({
        startAt: '2027-01-04T08:00:00.000Z',
        selfDueAt: '2027-01-11T08:00:00.000Z',
        peerDueAt: '2027-01-14T08:00:00.000Z',
        managerDueAt: '2027-01-18T08:00:00.000Z',
        closeAt: '2027-01-25T08:00:00.000Z',
      }),
    ).toEqual({ selfDays: 7, peerDays: 10, managerDays: 14, closeDays: 21 });
  });
});
