import { failuresOf, failureView } from '../operations/failures';
import { now } from '../platform/clock';
import {
  type Cycle,
  db,
  FEEDBACK_REQUEST_KINDS,
  type HumanRequest,
  PLAN_REQUEST_KINDS,
  REQUEST_KINDS,
  type RequestKind,
} from '../platform/table';
import { type ReviewTally, tallyReviews } from './close';

/*
 * What HR sees of a running cycle: its requests by phase and state, the overdue list, the bounced
 * addresses, and how many results are released and acknowledged.
 */

export const cycleRequests = async (cycleId: string, employeeId?: string): Promise<HumanRequest[]> => {
  const query = employeeId
    ? db().request.query.byCycle({ cycleId, cycleSubjectId: employeeId })
    : db().request.query.byCycle({ cycleId });
  return (await query.go({ pages: 'all' })).data;
};

export type PhaseCounts = Record<
  RequestKind,
  { pending: number; open: number; submitted: number; expired: number }
>;

export type Overdue = {
  /** What HR passes on with POST /requests/{id}/reassign. */
  requestId: string;
  kind: RequestKind;
  subjectId: string;
  recipientId: string;
  dueAt: string;
  daysOverdue: number;
};

/** A request whose reviewer's address bounced: HR passes it on with POST /requests/{id}/reassign. */
export type Bounced = {
  requestId: string;
  kind: RequestKind;
  subjectId: string;
  recipientId: string;
  bouncedAt: string | undefined;
};

/**
 * Requests per phase and state, every open request past its due date (most overdue first), and
 * every still-open request whose reviewer's address bounced.
 */
export const phaseStatus = (
  requests: HumanRequest[],
  at: Date = now(),
): { phases: PhaseCounts; overdue: Overdue[]; bounced: Bounced[] } => {
  const phases = Object.fromEntries(
    REQUEST_KINDS.filter((k) => !PLAN_REQUEST_KINDS.includes(k) && !FEEDBACK_REQUEST_KINDS.includes(k)).map(
      (k) => [k, { pending: 0, open: 0, submitted: 0, expired: 0 }],
    ),
  ) as PhaseCounts;
  const overdue: Overdue[] = [];
  const bounced: Bounced[] = [];
  for (const r of requests) {
    if (r.bounced && (r.status === 'open' || r.status === 'pending')) {
      bounced.push({
        requestId: r.requestId,
        kind: r.kind,
        subjectId: r.subjectId,
        recipientId: r.recipientId,
        bouncedAt: r.bouncedAt,
      });
    }
    const counts = phases[r.kind];
    if (counts) counts[r.status] += 1;
    const late = at.getTime() - Date.parse(r.dueAt);
    if (r.status === 'open' && late > 0) {
      overdue.push({
        requestId: r.requestId,
        kind: r.kind,
        subjectId: r.subjectId,
        recipientId: r.recipientId,
        dueAt: r.dueAt,
        daysOverdue: Math.floor(late / 86_400_000),
      });
    }
  }
  overdue.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  return { phases, overdue, bounced };
};

/** How many participants reached each step of a review, in the order a review takes them. */
export type Funnel = {
  launched: number;
  selfAssessed: number;
  peerInputDone: number;
  appraised: number;
  calibrated: number;
  released: number;
  acknowledged: number;
};

/**
 * The cycle's funnel: reviews started (not scheduled, not taken out), then per participant their
 * self-assessment and manager appraisal submitted, their peer input over (every peer request
 * answered or expired), and from the reviews the calibrations, releases and acknowledgments.
 */
export const funnelOf = (requests: HumanRequest[], tally: ReviewTally): Funnel => {
  const submitted = (kind: RequestKind) =>
    new Set(requests.filter((r) => r.kind === kind && r.status === 'submitted').map((r) => r.subjectId)).size;
  const asked = new Set<string>();
  const waiting = new Set<string>();
  for (const r of requests) {
    if (r.kind !== 'peer-feedback') continue;
    asked.add(r.subjectId);
    if (r.status === 'open' || r.status === 'pending') waiting.add(r.subjectId);
  }
  const { counts } = tally;
  return {
    launched: counts.participants - counts.scheduled - counts.cancelled,
    selfAssessed: submitted('self-assessment'),
    peerInputDone: [...asked].filter((id) => !waiting.has(id)).length,
    appraised: submitted('manager-appraisal'),
    calibrated: tally.calibrated,
    released: tally.released,
    acknowledged: tally.acknowledged,
  };
};

/**
 * Where a cycle stands for HR: its reviews by status, its requests by phase with the overdue and
 * bounced ones, and the released results, acknowledgments and every disagreement an employee recorded.
 */
export const cycleStatus = async (cycle: Cycle) => {
  // One pass over the reviews gives both their counts and the acknowledgments.
  const [tally, requests, failures] = await Promise.all([
    tallyReviews(cycle.cycleId),
    cycleRequests(cycle.cycleId),
    failuresOf(cycle.cycleId),
  ]);
  const { counts, released, acknowledged, disagreements } = tally;
  return {
    cycle,
    reviews: counts,
    funnel: funnelOf(requests, tally),
    ...phaseStatus(requests),
    acknowledgments: { released, acknowledged, disagreements },
    failures: failures.map(failureView),
  };
};
