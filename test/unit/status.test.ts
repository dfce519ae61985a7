import { describe, expect, it } from 'vitest';
import { phaseStatus } from '../../domain/cycles/status';
import type { HumanRequest } from '../../domain/platform/table';

/* HR's view of a cycle's requests: one row per phase of the cycle, and who is overdue. */

const AT = new Date('2027-03-15T12:00:00Z');

const request = (
  kind: HumanRequest['kind'],
  status: HumanRequest['status'],
  dueAt: string,
): HumanRequest => ({
  requestId: `${kind}-${status}`,
  kind,
  recipientId: 'mgr',
  subjectId: 'p1',
  cycleId: 'c1',
  dueAt,
  closeAt: '2027-04-01T00:00:00.000Z',
  reminderHoursBefore: [],
  escalations: [],
  status,
  remindersSent: 0,
  escalationsSent: 0,
  createdAt: '2027-03-01T00:00:00.000Z',
});

describe('a cycle’s phases for HR', () => {
  it('has a row for each phase a cycle can have, and none for a development plan’s or feedback any time’s requests', () => {
    const { phases } = phaseStatus([], AT);
    expect(Object.keys(phases)).toEqual([
      'self-assessment',
      'peer-feedback',
      'manager-appraisal',
      'goal-setting',
      'goal-approval',
      'review-meeting',
      'acknowledgment',
      'peer-nomination',
      'peer-approval',
    ]);
  });

  it('counts requests by phase and state, and lists the open ones past their date, most overdue first', () => {
    const { phases, overdue } = phaseStatus(
      [
        request('self-assessment', 'submitted', '2027-03-10T00:00:00.000Z'),
        request('manager-appraisal', 'open', '2027-03-13T12:00:00.000Z'),
        request('peer-feedback', 'open', '2027-03-11T12:00:00.000Z'),
        request('peer-feedback', 'open', '2027-03-20T00:00:00.000Z'),
      ],
      AT,
    );
    expect(phases['self-assessment']).toEqual({ pending: 0, open: 0, submitted: 1, expired: 0 });
    expect(phases['peer-feedback']).toEqual({ pending: 0, open: 2, submitted: 0, expired: 0 });
    expect(overdue.map((o) => [o.kind, o.daysOverdue])).toEqual([
      ['peer-feedback', 4],
      ['manager-appraisal', 2],
    ]);
  });
});
