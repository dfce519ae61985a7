import { type CyclePolicy, deadlineFor } from '../cycles/policy';
import { goalRoundsEmail } from '../mail/compose';
import { sendOnce } from '../mail/send';
import { employeeById } from '../people/org';
import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { stableId } from '../platform/ids';
import { type Cycle, db, type HumanRequest, ignoreConditionFailure } from '../platform/table';
import { closeAfter, laddersFor, MIN_DAYS_TO_ANSWER } from './ladders';

/*
 * Goal setting, the phase before the self-assessment when the template has it: the employee drafts,
 * the manager approves or returns with a comment, in bounded rounds; HR hears after the last round.
 */

/** A goal-setting review goes back and forth at most this often before HR is told. */
export const MAX_GOAL_ROUNDS = 3;

export const goalRoundIds = (cycleId: string, employeeId: string, round: number) => ({
  goalRequestId: stableId(cycleId, employeeId, 'goal-setting', String(round)),
  approvalRequestId: stableId(cycleId, employeeId, 'goal-approval', String(round)),
});

export type GoalDecision = { decision: 'approve' } | { decision: 'return'; comment: string };

/**
 * What the workflow's "Goals approved?" Choice reads beside a settled goal approval's outcome: the
 * manager's decision, when there is one.
 */
export const goalDecision = (answer: unknown): { decision?: GoalDecision['decision'] } => {
  const decision = (answer as Partial<GoalDecision> | undefined)?.decision;
  return decision ? { decision } : {};
};

export type GoalRoundState = {
  round: number;
  goalSetting?: Pick<HumanRequest, 'status'> | undefined;
  approval?: Pick<HumanRequest, 'status' | 'answer'> | undefined;
};

export type GoalNext =
  | { action: 'open'; round: number; note?: string }
  | { action: 'settle'; status: 'approved' | 'escalated' | 'expired' };

/**
 * What follows a goal round, from the state of its two requests. Pure, so every rule is unit-tested:
 * approved ends the phase; returned opens the next round with the manager's comment, until the
 * last round, after which HR is told; a round nobody finished ends the phase without approved goals.
 */
export const nextGoalStep = (state: GoalRoundState, maxRounds = MAX_GOAL_ROUNDS): GoalNext => {
  if (state.round === 0) return { action: 'open', round: 1 };
  if (state.goalSetting?.status === 'expired' || state.approval?.status === 'expired')
    return { action: 'settle', status: 'expired' };
  if (state.approval?.status !== 'submitted') return { action: 'open', round: state.round };
  const answer = state.approval.answer as GoalDecision | undefined;
  if (answer?.decision !== 'return') return { action: 'settle', status: 'approved' };
  if (state.round >= maxRounds) return { action: 'settle', status: 'escalated' };
  return { action: 'open', round: state.round + 1, note: answer.comment };
};

export type GoalRoundResult =
  | { settled: true; status: 'approved' | 'escalated' | 'expired' }
  | { settled: false; round: number; goalRequestId: string; approvalRequestId: string };

/**
 * Moves goal setting on after a round that was not approved: opens the next round after a return
 * (its email carries the comment), or settles the phase (HR told after the last round, expired).
 * Round 1 is created with the review (a review started without it gets it here). Request ids are
 * per round and writes are conditional, so a retried step opens each round once.
 */
export const advanceGoalSetting = async (cycleId: string, employeeId: string): Promise<GoalRoundResult> => {
  const { review, request, cycle } = db();
  const current = (await review.get({ cycleId, employeeId }).go({ consistent: true })).data;
  if (!current) throw new Error(`Review ${cycleId}/${employeeId} not found`);
  if (current.goalStatus) return { settled: true, status: current.goalStatus };
  const round = current.goalRound ?? 0;
  const ids = goalRoundIds(cycleId, employeeId, round);
  const [goalSetting, approval] =
    round === 0
      ? [undefined, undefined]
      : await Promise.all(
          [ids.goalRequestId, ids.approvalRequestId].map(
            async (requestId) =>
              (await request.get({ requestId }).go({ consistent: true })).data ?? undefined,
          ),
        );
  const next = nextGoalStep({ round, goalSetting, approval });
  const theCycle = (await cycle.get({ cycleId }).go()).data;
  if (!theCycle) throw new Error(`Cycle ${cycleId} not found`);
  if (next.action === 'settle') {
    if (next.status === 'escalated') {
      const person = await employeeById(employeeId);
      await sendOnce({
        key: `${cycleId}#${employeeId}#goal-rounds`,
        kind: 'goal-approval.escalation',
        toId: 'hr',
        toAddress: config.hrAddress,
        email: goalRoundsEmail({
          employeeName: person?.name ?? employeeId,
          cycleName: theCycle.name,
          rounds: round,
        }),
      });
    }
    await review
      .patch({ cycleId, employeeId })
      .set({ goalStatus: next.status })
      .go()
      .catch(ignoreConditionFailure);
    return { settled: true, status: next.status };
  }
  const opened = goalRoundIds(cycleId, employeeId, next.round);
  if (next.round !== round) {
    const employee = await employeeById(employeeId);
    const manager = current.managerId === 'hr' ? undefined : await employeeById(current.managerId);
    if (!employee) throw new Error(`Employee ${employeeId} not found`);
    const roundRequests = goalRoundRequests(
      {
        cycle: theCycle,
        employeeId,
        employeeZone: employee.timeZone,
        managerId: current.managerId,
        managerZone: manager?.timeZone ?? 'UTC',
        skipLevelId: manager?.managerId ?? 'hr',
        at: now(),
      },
      next.round,
      next.note,
    );
    await Promise.all(roundRequests.map((r) => request.create(r).go().catch(ignoreConditionFailure)));
    await review
      .patch({ cycleId, employeeId })
      .set({ goalRound: next.round })
      .where((a, op) => (round === 0 ? op.notExists(a.goalRound) : op.eq(a.goalRound, round)))
      .go()
      .catch(ignoreConditionFailure);
  }
  return { settled: false, round: next.round, ...opened };
};

/** Round N's two requests: the employee drafts, then (only once the drafts are in) the manager decides. */
export const goalRoundRequests = (
  ctx: {
    cycle: Cycle;
    employeeId: string;
    employeeZone: string;
    managerId: string;
    managerZone: string;
    skipLevelId: string;
    /** When the round is created: a later round gets a couple of days from then. */
    at: Date;
  },
  round: number,
  note: string | undefined,
): HumanRequest[] => {
  const { cycle, employeeId, employeeZone, managerId, managerZone, skipLevelId, at } = ctx;
  const policy = cycle.policy as CyclePolicy;
  const ladders = laddersFor(policy, managerId, skipLevelId);
  const ids = goalRoundIds(cycle.cycleId, employeeId, round);
  const self = deadlineFor(policy, employeeZone, ids.goalRequestId);
  const boss = deadlineFor(policy, managerZone, ids.approvalRequestId);
  const phaseDue = addDays(cycle.startAt, policy.phases.goalSetting ?? 0);
  // A later round gets a couple of days of its own, even when the phase's date has passed.
  const earliest = round === 1 ? phaseDue : addDays(at, MIN_DAYS_TO_ANSWER);
  const dueAt = self.due(new Date(Math.max(phaseDue.getTime(), earliest.getTime())).toISOString());
  const approvalDue = boss.due(addDays(dueAt, MIN_DAYS_TO_ANSWER).toISOString());
  const base = {
    subjectId: employeeId,
    cycleId: cycle.cycleId,
    status: 'pending' as const,
    createdAt: at.toISOString(),
    remindersSent: 0,
    escalationsSent: 0,
    round,
    reminderHoursBefore: [...policy.reminderHoursBefore],
  };
  return [
    {
      ...base,
      ...self.window,
      requestId: ids.goalRequestId,
      kind: 'goal-setting',
      recipientId: employeeId,
      dueAt,
      closeAt: closeAfter(dueAt, employeeZone, ladders.hrDays),
      escalations: ladders.employee,
      ...(note ? { note } : {}),
    },
    {
      ...base,
      ...boss.window,
      requestId: ids.approvalRequestId,
      kind: 'goal-approval',
      recipientId: managerId,
      afterRequestId: ids.goalRequestId,
      dueAt: approvalDue,
      closeAt: closeAfter(approvalDue, managerZone, ladders.hrDays),
      escalations: ladders.manager,
    },
  ];
};
