import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { addLocalDays, endOfLocalDay, localDay } from './calendar';
import { documentClient, sfn } from './clients';
import { addDays, now } from './clock';
import { config } from './config';
import { resumeCycleIfDone, reviewExecutionName } from './cycles';
import {
  type Cycle,
  db,
  type Employee,
  type HumanRequest,
  REQUEST_KINDS,
  type RequestKind,
  type Review,
} from './db';
import { isConditionFailure } from './errors';
import { executionName } from './ids';
import type { Acknowledgment } from './phases';
import type { Calibration, GapAnalysis } from './ratings';
import { peerFeedbackView } from './responses';
import { cycleScheduleName, unschedule } from './schedules';
import { startOnce } from './sfn';

/*
 * HR's levers on a cycle: its status by phase with the overdue list, extending deadlines (the whole
 * cycle or one person; running workflows pick the new date up at their next wake-up), cancelling
 * (no email goes out after), and exporting the results.
 */

export const cycleRequests = async (cycleId: string, employeeId?: string): Promise<HumanRequest[]> => {
  const query = employeeId
    ? db().request.query.byCycle({ cycleId, subjectId: employeeId })
    : db().request.query.byCycle({ cycleId });
  return (await query.go({ pages: 'all' })).data;
};

export type PhaseCounts = Record<
  RequestKind,
  { pending: number; open: number; submitted: number; expired: number }
>;
export type Overdue = {
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
    REQUEST_KINDS.filter((k) => k !== 'action-item').map((k) => [
      k,
      { pending: 0, open: 0, submitted: 0, expired: 0 },
    ]),
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

export type Extension = { days: number; employeeId?: string; phase?: RequestKind };

/** A deadline at the end of a local day stays at the end of a local day across a clock change. */
const shiftDeadline = (r: HumanRequest, iso: string, days: number): string => {
  const zone = r.sendWindow?.timeZone;
  return zone
    ? endOfLocalDay(addLocalDays(localDay(iso, zone), days), zone).toISOString()
    : addDays(iso, days).toISOString();
};

/**
 * Moves deadlines later by whole days. Open and not-yet-sent requests move (their reminders and
 * escalations follow the new due date); for the whole cycle the phase dates and close date move too,
 * so reviews that start later and the cycle's own wait follow.
 */
export const extendCycle = async (cycle: Cycle, ext: Extension): Promise<{ requests: number }> => {
  const targets = (await cycleRequests(cycle.cycleId, ext.employeeId)).filter(
    (r) => (r.status === 'open' || r.status === 'pending') && (!ext.phase || r.kind === ext.phase),
  );
  let moved = 0;
  for (const r of targets) {
    try {
      await db()
        .request.patch({ requestId: r.requestId })
        .set({
          dueAt: shiftDeadline(r, r.dueAt, ext.days),
          closeAt: shiftDeadline(r, r.closeAt, ext.days),
        })
        .where(
          (a, op) =>
            `${op.eq(a.dueAt, r.dueAt)} AND (${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')})`,
        )
        .go();
      moved += 1;
    } catch (error) {
      // Answered or moved meanwhile: nothing to extend.
      if (!isConditionFailure(error)) throw error;
    }
  }
  if (!ext.employeeId && !ext.phase) {
    const shift = (iso: string) => addDays(iso, ext.days).toISOString();
    await db()
      .cycle.patch({ cycleId: cycle.cycleId })
      .set({
        selfDueAt: shift(cycle.selfDueAt),
        peerDueAt: shift(cycle.peerDueAt),
        managerDueAt: shift(cycle.managerDueAt),
        closeAt: shift(cycle.closeAt),
      })
      .go();
  }
  return { requests: moved };
};

/** Closes requests nobody answered yet, so their links say so; one answered meanwhile stays answered. */
const closeOpenRequests = async (requests: HumanRequest[]): Promise<void> => {
  for (const r of requests) {
    if (r.status !== 'open' && r.status !== 'pending') continue;
    await db()
      .request.patch({ requestId: r.requestId })
      .set({ status: 'expired' })
      .where((a, op) => `${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')}`)
      .go()
      .catch((error: unknown) => {
        if (!isConditionFailure(error)) throw error;
      });
  }
};

const executionArn = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

const stopQuietly = async (arn: string, cause: string) => {
  try {
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'CycleCancelled', cause }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionDoesNotExist')) throw error;
  }
};

/**
 * Cancels a cycle: marks it cancelled, closes every request not yet answered (so links say so), and
 * stops the cycle's and every review's execution, so no email goes out after.
 */
export const cancelCycle = async (cycle: Cycle, reason: string): Promise<{ stopped: number }> => {
  await db()
    .cycle.patch({ cycleId: cycle.cycleId })
    .set({ status: 'cancelled' })
    .where((a, op) => `${op.eq(a.status, 'scheduled')} OR ${op.eq(a.status, 'running')}`)
    .go();
  const reviews = (await db().review.query.byCycle({ cycleId: cycle.cycleId }).go({ pages: 'all' })).data;
  const queue: Review[] = [...reviews];
  let stopped = 0;
  const worker = async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      await stopQuietly(
        executionArn(config.reviewStateMachineArn, reviewExecutionName(cycle.cycleId, r.employeeId)),
        reason,
      );
      if (r.status === 'scheduled' || r.status === 'in-progress') {
        await db()
          .review.patch({ cycleId: cycle.cycleId, employeeId: r.employeeId })
          .set({ status: 'cancelled' })
          .go();
      }
      stopped += 1;
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  await closeOpenRequests(await cycleRequests(cycle.cycleId));
  // A cycle that has not started yet has a schedule instead of an execution: delete it.
  await unschedule(cycleScheduleName(cycle.cycleId));
  await stopQuietly(executionArn(config.cycleStateMachineArn, executionName('cycle', cycle.cycleId)), reason);
  return { stopped };
};

const csvField = (value: unknown): string => {
  const text = value === undefined || value === null ? '' : String(value);
  // Quote what needs it; prefix formulas so a spreadsheet never runs a cell (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export const EXPORT_COLUMNS = [
  'employee_id',
  'name',
  'manager_id',
  'review_status',
  'self_rating',
  'manager_rating',
  'peer_responses',
  'peer_average',
  'development_needs',
  'finished_at',
  'overall_rating',
  'calibrated_overall',
  'gaps',
  'strengths',
  'released_at',
  'acknowledged_at',
  'disagreement',
] as const;

/** "craft -2; coaching -1": the ranked gaps, or the strengths, of a stored gap analysis. */
const gapList = (analysis: GapAnalysis | undefined, which: 'gaps' | 'strengths'): string => {
  if (!analysis) return '';
  const byId = new Map(analysis.items.map((i) => [i.competencyId, i]));
  return analysis[which]
    .map((id) => {
      const gap = byId.get(id)?.gap ?? 0;
      return `${id} ${gap > 0 ? '+' : ''}${gap}`;
    })
    .join('; ');
};

/** The cycle's results as CSV, one row per participant, for HR (peer answers combined, not attributed). */
export const exportCycle = async (cycleId: string): Promise<string> => {
  const reviews = (await db().review.query.byCycle({ cycleId }).go({ pages: 'all' })).data;
  const rows = [EXPORT_COLUMNS.join(',')];
  for (const r of reviews) {
    const [person, peers] = await Promise.all([
      db().employee.get({ employeeId: r.employeeId }).go(),
      peerFeedbackView(cycleId, r.employeeId, 'employee', 1),
    ]);
    const self = r.selfAssessment as Record<string, unknown> | undefined;
    const manager = r.managerAppraisal as Record<string, unknown> | undefined;
    rows.push(
      [
        r.employeeId,
        person.data?.name,
        r.managerId,
        r.status,
        self?.rating,
        manager?.rating,
        peers.visibility === 'aggregated' ? peers.responses : 0,
        peers.visibility === 'aggregated' ? peers.averageRating : '',
        manager?.developmentNeeds,
        r.finishedAt,
        r.overallRating,
        (r.calibration as Calibration | undefined)?.overall?.calibrated,
        gapList(r.gapAnalysis as GapAnalysis | undefined, 'gaps'),
        gapList(r.gapAnalysis as GapAnalysis | undefined, 'strengths'),
        r.releasedAt,
        (r.acknowledgment as Acknowledgment | undefined)?.at,
        (r.acknowledgment as Acknowledgment | undefined)?.disagreement,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
};

/**
 * Adds people to a scheduled or running cycle. Their reviews join the cycle's count; in a running
 * cycle their workflows start now (deterministic names, so adding twice starts once), in a scheduled
 * one the launch picks them up.
 */
export const addParticipants = async (cycle: Cycle, people: Employee[]): Promise<{ added: string[] }> => {
  const added: string[] = [];
  for (const p of people) {
    try {
      await db()
        .review.create({
          cycleId: cycle.cycleId,
          employeeId: p.employeeId,
          managerId: p.managerId ?? 'hr',
          status: 'scheduled',
        })
        .go();
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      continue;
    }
    await db().cycle.update({ cycleId: cycle.cycleId }).add({ participants: 1, openReviews: 1 }).go();
    added.push(p.employeeId);
  }
  const latest = (await db().cycle.get({ cycleId: cycle.cycleId }).go({ consistent: true })).data;
  if (latest?.status === 'running') {
    for (const employeeId of added) {
      // Its send slot is now: the review workflow waits for the slot every start carries.
      await startOnce(config.reviewStateMachineArn, reviewExecutionName(cycle.cycleId, employeeId), {
        cycleId: cycle.cycleId,
        employeeId,
        opensAt: now().toISOString(),
      });
    }
  }
  return { added };
};

/**
 * Takes one person out of a cycle: their workflow stops, their open requests close, and the cycle
 * stops waiting for their review (closing now if it was the last one).
 */
export const removeParticipant = async (
  cycle: Cycle,
  employeeId: string,
): Promise<'removed' | 'not-found' | 'finished'> => {
  const review = (await db().review.get({ cycleId: cycle.cycleId, employeeId }).go({ consistent: true }))
    .data;
  if (!review) return 'not-found';
  if (review.status !== 'scheduled' && review.status !== 'in-progress') return 'finished';
  await stopQuietly(
    executionArn(config.reviewStateMachineArn, reviewExecutionName(cycle.cycleId, employeeId)),
    'Removed from the cycle',
  );
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: db()
              .review.patch({ cycleId: cycle.cycleId, employeeId })
              .set({ status: 'cancelled', finishedAt: now().toISOString() })
              .where((a, op) => `${op.eq(a.status, 'scheduled')} OR ${op.eq(a.status, 'in-progress')}`)
              .params(),
          },
          { Update: db().cycle.update({ cycleId: cycle.cycleId }).add({ openReviews: -1 }).params() },
        ],
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return 'finished';
  }
  await closeOpenRequests(await cycleRequests(cycle.cycleId, employeeId));
  await resumeCycleIfDone(cycle.cycleId);
  return 'removed';
};
