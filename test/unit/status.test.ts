import { describe, expect, it } from 'vitest';
import type { ReviewTally } from '../../domain/cycles/close';
import { funnelOf, phaseStatus } from '../../domain/cycles/status';
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
    expect(overdue.map((o) => o.requestId)).toEqual(['peer-feedback-open', 'manager-appraisal-open']);
  });
});

describe('a cycle’s funnel', () => {
  const about = (subjectId: string, r: HumanRequest, n = 0): HumanRequest => ({
    ...r,
    subjectId,
    requestId: `${r.requestId}-${subjectId}-${n}`,
  });
  const due = '2027-03-10T00:00:00.000Z';
  const tally: ReviewTally = {
    counts: { participants: 5, scheduled: 1, inProgress: 2, completed: 1, incomplete: 0, cancelled: 1 },
    calibrated: 1,
    released: 1,
    acknowledged: 0,
    disagreements: [],
  };

  it('counts each participant once at each step they reached, from their requests and their reviews', () => {
    const funnel = funnelOf(
      [
        about('p1', request('self-assessment', 'submitted', due)),
        about('p2', request('self-assessment', 'submitted', due)),
        about('p3', request('self-assessment', 'open', due)),
        // p1's peers all answered or ran out of time; one of p2's is still open; p3 was asked nobody yet.
        about('p1', request('peer-feedback', 'submitted', due), 1),
        about('p1', request('peer-feedback', 'expired', due), 2),
        about('p2', request('peer-feedback', 'submitted', due), 1),
        about('p2', request('peer-feedback', 'open', due), 2),
        about('p1', request('manager-appraisal', 'submitted', due)),
        about('p2', request('manager-appraisal', 'pending', due)),
      ],
      tally,
    );
    expect(funnel).toEqual({
      launched: 3,
      selfAssessed: 2,
      peerInputDone: 1,
      appraised: 1,
      calibrated: 1,
      released: 1,
      acknowledged: 0,
    });
  });
});
