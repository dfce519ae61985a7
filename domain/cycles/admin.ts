import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { missingEmployees } from '../people/org';
import { recordAudit } from '../platform/audit';
import { addLocalDays, endOfLocalDay, localDay } from '../platform/calendar';
import { documentClient, sfn } from '../platform/clients';
import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { cycleExecution, reviewExecution } from '../platform/ids';
import { cycleScheduleName, unschedule } from '../platform/schedules';
import {
  type Cycle,
  db,
  type Employee,
  type HumanRequest,
  ignoreConditionFailure,
  isConditionFailure,
  type RequestKind,
  type Review,
} from '../platform/table';
import { resumeCycleIfDone } from './close';
import { cycleRequests } from './status';

/*
 * HR's levers on a cycle: extending deadlines (the whole cycle or one person; running workflows pick
 * the new date up at their next wake-up), cancelling (no email goes out after), and adding or taking
 * out participants; each pulled lever is recorded in the cycle's audit trail.
 */

/** HR's levers work on a cycle while it is scheduled or running, not once it is closed or cancelled. */
export const takesChanges = (cycle: Pick<Cycle, 'status'>): boolean =>
  cycle.status === 'scheduled' || cycle.status === 'running';

const recordLever = (cycle: Cycle, actor: string, action: string, details: Record<string, unknown>) =>
  recordAudit(`cycle#${cycle.cycleId}`, actor, action, details);

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
 * so reviews that start later and the cycle's own wait follow. The cycle's dates move first, only
 * from the dates read (`stale` otherwise, nothing moved): of two extensions of the whole cycle made
 * from one reading, the second would move the requests again but the cycle only once.
 */
export const extendCycle = async (
  cycle: Cycle,
  ext: Extension,
  actor: string,
): Promise<{ outcome: 'extended'; requests: number } | { outcome: 'stale' }> => {
  if (!ext.employeeId && !ext.phase) {
    const shift = (iso: string) => addDays(iso, ext.days).toISOString();
    try {
      await db()
        .cycle.patch({ cycleId: cycle.cycleId })
        .set({
          selfDueAt: shift(cycle.selfDueAt),
          peerDueAt: shift(cycle.peerDueAt),
          managerDueAt: shift(cycle.managerDueAt),
          closeAt: shift(cycle.closeAt),
        })
        .where((a, op) => op.eq(a.closeAt, cycle.closeAt))
        .go();
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { outcome: 'stale' };
    }
  }
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
  await recordLever(cycle, actor, 'cycle.extended', { ...ext, requests: moved });
  return { outcome: 'extended', requests: moved };
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
      .catch(ignoreConditionFailure);
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
export const cancelCycle = async (
  cycle: Cycle,
  reason: string,
  actor: string,
): Promise<{ stopped: number }> => {
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
        executionArn(config.reviewStateMachineArn, reviewExecution(cycle.cycleId, r.employeeId)),
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
  await stopQuietly(executionArn(config.cycleStateMachineArn, cycleExecution(cycle.cycleId)), reason);
  await recordLever(cycle, actor, 'cycle.cancelled', { reviews: stopped });
  return { stopped };
};

export type AddOutcome =
  | { outcome: 'added'; added: string[]; alreadyIn: string[] }
  | { outcome: 'unknown-employees'; missing: string[] };

/**
 * Adds people to a scheduled or running cycle. Their reviews join the cycle's count; in a running
 * cycle their workflows start now (deterministic names, so adding twice starts once), in a scheduled
 * one the launch picks them up. Someone already in the cycle stays as they are.
 */
export const addParticipants = async (
  cycle: Cycle,
  employeeIds: string[],
  actor: string,
): Promise<AddOutcome> => {
  const ids = [...new Set(employeeIds)];
  const { found, missing } = await missingEmployees(ids);
  if (missing.length) return { outcome: 'unknown-employees', missing };
  const added = await addReviews(cycle, found);
  await recordLever(cycle, actor, 'cycle.participants-added', { ids: added });
  return { outcome: 'added', added, alreadyIn: ids.filter((i) => !added.includes(i)) };
};

const addReviews = async (cycle: Cycle, people: Employee[]): Promise<string[]> => {
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
      await startOnce(config.reviewStateMachineArn, reviewExecution(cycle.cycleId, employeeId), {
        cycleId: cycle.cycleId,
        employeeId,
        opensAt: now().toISOString(),
      });
    }
  }
  return added;
};

/**
 * Takes one person out of a cycle: their workflow stops, their open requests close, and the cycle
 * stops waiting for their review (closing now if it was the last one).
 */
export const removeParticipant = async (
  cycle: Cycle,
  employeeId: string,
  actor: string,
): Promise<'removed' | 'not-found' | 'finished'> => {
  const review = (await db().review.get({ cycleId: cycle.cycleId, employeeId }).go({ consistent: true }))
    .data;
  if (!review) return 'not-found';
  if (review.status !== 'scheduled' && review.status !== 'in-progress') return 'finished';
  await stopQuietly(
    executionArn(config.reviewStateMachineArn, reviewExecution(cycle.cycleId, employeeId)),
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
  await recordLever(cycle, actor, 'cycle.participant-removed', { employeeId });
  return 'removed';
};
