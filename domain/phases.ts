import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { addLocalDays, endOfLocalDay, localDay, localDeadline, nextSendSlot, zonedTime } from './calendar';
import { documentClient } from './clients';
import { addDays, now, secondsUntil } from './clock';
import { config } from './config';
import { type CyclePolicy, deadlineFor, finishReview } from './cycles';
import { type Cycle, db, type Employee, type HumanRequest, type Review } from './db';
import { goalRoundsEmail, meetingInvitationEmail, unreleasedEmail } from './emails';
import { isConditionFailure } from './errors';
import { meetingIcs } from './ics';
import { stableId } from './ids';
import { sendOnce } from './mailer';
import { resumeTask, wakeTask } from './sfn';
import { calibrationWait, requestWait, storeToken, tokenOf } from './wait-tokens';

/*
 * The phases around the appraisal that a template enables: goal setting (the employee drafts, the
 * manager approves or returns with a comment, in bounded rounds) before the self-assessment; after
 * the manager appraisal, HR's calibration, the review meeting, the release of the results and the
 * employee's acknowledgment. Each step a person takes is a human step (domain/human-step.ts) with
 * the template's ladder; the waits on HR (calibration, release) park the workflow on a token
 * stored on the review.
 */

/** A goal-setting review goes back and forth at most this often before HR is told. */
export const MAX_GOAL_ROUNDS = 3;
/** A later goal round, and an acknowledgment released late, get at least this many days. */
const MIN_DAYS_TO_ANSWER = 2;
const MEETING_MINUTES = 60;

export type PhaseDays = NonNullable<CyclePolicy['phases']>;
export type Acknowledgment = { at: string; agrees: boolean; disagreement?: string };
type Escalation = HumanRequest['escalations'][number];

const ignoreExisting = (error: unknown) => {
  if (!isConditionFailure(error)) throw error;
};

type Ladders = { employee: Escalation[]; manager: Escalation[]; hrDays: number };

/** Who hears of a late step: the employee's steps go to the manager, the skip-level, HR; the manager's to the skip-level and HR. */
export const laddersFor = (policy: CyclePolicy, managerId: string, skipLevelId: string): Ladders => ({
  employee: [
    { afterHours: policy.escalationHours.manager, toId: managerId, role: 'their manager' },
    { afterHours: policy.escalationHours.skipLevel, toId: skipLevelId, role: 'skip-level manager' },
    { afterHours: policy.escalationHours.hr, toId: 'hr', role: 'HR' },
  ],
  manager: [
    { afterHours: policy.escalationHours.manager, toId: skipLevelId, role: 'skip-level manager' },
    { afterHours: policy.escalationHours.hr, toId: 'hr', role: 'HR' },
  ],
  hrDays: Math.round(policy.escalationHours.hr / 24),
});

/** A request closes once its whole escalation ladder had its chance: the day after HR heard. */
const closeAfter = (dueAt: string, timeZone: string, hrDays: number) =>
  endOfLocalDay(addLocalDays(localDay(dueAt, timeZone), hrDays + 1), timeZone).toISOString();

/** The meeting: the meeting day's send hour in the employee's zone, moved to a working day. */
export const meetingTime = (startAt: string, days: number, policy: CyclePolicy, timeZone: string): Date => {
  const day = localDay(addDays(startAt, days), timeZone);
  return nextSendSlot(zonedTime(day, 0, 0, 0, timeZone), {
    timeZone,
    sendHour: policy.sendHour ?? 9,
    quietDays: policy.quietDays ?? [],
  });
};

export type PhasePlan = {
  /** Goal setting's round under way: round 1, created with the review, then whatever the round Lambda opens. */
  goals?: GoalRoundResult;
  meetingRequestId?: string;
  acknowledgmentRequestId?: string;
};

type ReviewContext = {
  cycle: Cycle;
  employee: Employee;
  managerId: string;
  managerZone: string;
  skipLevelId: string;
  base: Pick<
    HumanRequest,
    'subjectId' | 'cycleId' | 'status' | 'createdAt' | 'remindersSent' | 'escalationsSent'
  >;
};

/**
 * The requests of the phases after the appraisal, created with the review's other requests under
 * stable ids: the manager's review meeting and the employee's acknowledgment (opened only once the
 * results are released). Nothing for a cycle scheduled before these phases existed.
 */
export const phaseRequests = (ctx: ReviewContext): { requests: HumanRequest[]; plan: PhasePlan } => {
  const policy = ctx.cycle.policy as CyclePolicy | undefined;
  const days = policy?.phases;
  if (!policy || !days) return { requests: [], plan: {} };
  const { cycleId } = ctx.cycle;
  const { employeeId, timeZone } = ctx.employee;
  const ladders = laddersFor(policy, ctx.managerId, ctx.skipLevelId);
  const requests: HumanRequest[] = [];
  const plan: PhasePlan = {};
  if (days.goalSetting !== undefined) {
    requests.push(
      ...goalRoundRequests(
        { ...ctx, employeeId, employeeZone: timeZone, at: new Date(ctx.base.createdAt) },
        1,
        undefined,
      ),
    );
    plan.goals = { settled: false, round: 1, ...goalRoundIds(cycleId, employeeId, 1) };
  }
  if (days.reviewMeeting !== undefined) {
    const meetingAt = meetingTime(ctx.cycle.startAt, days.reviewMeeting, policy, timeZone).toISOString();
    const requestId = stableId(cycleId, employeeId, 'review-meeting');
    const manager = deadlineFor(policy, ctx.managerZone, requestId);
    // The manager records the meeting by the end of the next working day; the last reminder falls on the meeting day.
    const dueAt = manager.due(
      nextSendSlot(
        zonedTime(addLocalDays(localDay(meetingAt, ctx.managerZone), 1), 0, 0, 0, ctx.managerZone),
        {
          timeZone: ctx.managerZone,
          sendHour: policy.sendHour ?? 9,
          quietDays: policy.quietDays ?? [],
        },
      ).toISOString(),
    );
    requests.push({
      ...ctx.base,
      ...manager.window,
      requestId,
      kind: 'review-meeting',
      gate: 'appraisal',
      recipientId: ctx.managerId,
      meetingAt,
      dueAt,
      closeAt: closeAfter(dueAt, ctx.managerZone, ladders.hrDays),
      reminderHoursBefore: [...policy.reminderHoursBefore],
      escalations: ladders.manager,
    });
    plan.meetingRequestId = requestId;
  }
  const ackId = stableId(cycleId, employeeId, 'acknowledgment');
  const self = deadlineFor(policy, timeZone, ackId);
  const ackDue = self.due(addDays(ctx.cycle.startAt, days.acknowledgment).toISOString());
  requests.push({
    ...ctx.base,
    ...self.window,
    requestId: ackId,
    kind: 'acknowledgment',
    gate: 'release',
    recipientId: employeeId,
    dueAt: ackDue,
    closeAt: closeAfter(ackDue, timeZone, ladders.hrDays),
    reminderHoursBefore: [...policy.reminderHoursBefore],
    escalations: ladders.employee,
  });
  plan.acknowledgmentRequestId = ackId;
  return { requests, plan };
};

/* ---------------------------------------------------------------- goal setting */

export const goalRoundIds = (cycleId: string, employeeId: string, round: number) => ({
  goalRequestId: stableId(cycleId, employeeId, 'goal-setting', String(round)),
  approvalRequestId: stableId(cycleId, employeeId, 'goal-approval', String(round)),
});

export type GoalDecision = { decision: 'approve' } | { decision: 'return'; comment: string };

/**
 * What the workflow's "Goals approved?" Choice reads beside a settled goal approval's outcome: the
 * manager's decision. Any other request carries nothing more.
 */
export const goalDecisionOf = (
  kind: HumanRequest['kind'],
  response: unknown,
): { decision?: GoalDecision['decision'] } => {
  const decision = (response as Partial<GoalDecision> | undefined)?.decision;
  return kind === 'goal-approval' && decision ? { decision } : {};
};
export type GoalRoundState = {
  round: number;
  goalSetting?: Pick<HumanRequest, 'status'> | undefined;
  approval?: Pick<HumanRequest, 'status' | 'response'> | undefined;
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
  const answer = state.approval.response as GoalDecision | undefined;
  if (answer?.decision !== 'return') return { action: 'settle', status: 'approved' };
  if (state.round >= maxRounds) return { action: 'settle', status: 'escalated' };
  return { action: 'open', round: state.round + 1, note: answer.comment };
};

export type GoalRoundResult =
  | { settled: true; status: 'approved' | 'escalated' | 'expired' }
  | { settled: false; round: number; goalRequestId: string; approvalRequestId: string };

const personOf = async (id: string) => (await db().employee.get({ employeeId: id }).go()).data ?? undefined;

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
      const person = await personOf(employeeId);
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
    await review.patch({ cycleId, employeeId }).set({ goalStatus: next.status }).go().catch(ignoreExisting);
    return { settled: true, status: next.status };
  }
  const opened = goalRoundIds(cycleId, employeeId, next.round);
  if (next.round !== round) {
    const employee = await personOf(employeeId);
    const manager = current.managerId === 'hr' ? undefined : await personOf(current.managerId);
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
    await Promise.all(roundRequests.map((r) => request.create(r).go().catch(ignoreExisting)));
    await review
      .patch({ cycleId, employeeId })
      .set({ goalRound: next.round })
      .where((a, op) => (round === 0 ? op.notExists(a.goalRound) : op.eq(a.goalRound, round)))
      .go()
      .catch(ignoreExisting);
  }
  return { settled: false, round: next.round, ...opened };
};

/** Round N's two requests: the employee drafts, then (only once the drafts are in) the manager decides. */
const goalRoundRequests = (
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
  const phaseDue = addDays(cycle.startAt, policy.phases?.goalSetting ?? 0);
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

/* ---------------------------------------------------------------- calibration and release gates */

export type Viewer = 'hr' | 'employee';

/** The results the employee may see only once released: ratings, the manager's texts, the gap analysis. */
export const resultsVisible = (review: Pick<Review, 'releasedAt'>, view: Viewer): boolean =>
  view === 'hr' || review.releasedAt !== undefined;

/** Who may release one review's results: HR, or the employee's direct manager. */
export const mayRelease = (access: 'hr' | 'self' | 'direct-manager' | 'reporting-line' | 'none'): boolean =>
  access === 'hr' || access === 'direct-manager';

/** How long the review waits for HR's calibration: until the calibration date, or not at all. */
export const calibrationWaitSeconds = async (cycleId: string, employeeId: string): Promise<number> => {
  const [c, r] = await Promise.all([
    db().cycle.get({ cycleId }).go(),
    db().review.get({ cycleId, employeeId }).go({ consistent: true }),
  ]);
  const days = (c.data?.policy as CyclePolicy | undefined)?.phases?.calibration;
  if (!c.data || days === undefined || r.data?.status !== 'completed' || r.data.calibratedAt) return 1;
  // Until the recipient of the next step can be emailed (their send hour), so it opens without a hold.
  const nextId = r.data.meetingRequestId ?? r.data.acknowledgmentRequestId;
  const next = nextId ? (await db().request.get({ requestId: nextId }).go()).data : undefined;
  const due = addDays(c.data.startAt, days);
  return Math.max(1, secondsUntil(next?.sendWindow ? nextSendSlot(due, next.sendWindow) : due, now()));
};

/**
 * The review is finished where its manager appraisal settles (answered, or closed unanswered),
 * not in a step of its own: whatever completes the appraisal's wait (the answer, or the arm that
 * finds it settled) finishes the review first and hands the workflow how long its calibration wait
 * lasts. Safe to repeat: a finished review stays as it is.
 */
export const finishWithAppraisal = async (
  req: Pick<HumanRequest, 'kind' | 'cycleId' | 'subjectId'>,
): Promise<{ calibrationWaitSeconds?: number }> => {
  if (req.kind !== 'manager-appraisal' || !req.cycleId) return {};
  await finishReview(req.cycleId, req.subjectId, { countAtEnd: true });
  return { calibrationWaitSeconds: await calibrationWaitSeconds(req.cycleId, req.subjectId) };
};

/** Parks the review until HR calibrates it; resumes at once when there is nothing to wait for. */
export const armCalibration = async (
  cycleId: string,
  employeeId: string,
  taskToken: string,
): Promise<void> => {
  const calibratedAt = async () =>
    (await db().review.get({ cycleId, employeeId }).go({ consistent: true })).data?.calibratedAt;
  // Nothing to wait for (no calibration phase, already calibrated, the date passed): no token kept.
  if ((await calibrationWaitSeconds(cycleId, employeeId)) <= 1) {
    await resumeTask(taskToken, { calibrated: Boolean(await calibratedAt()) });
    return;
  }
  // Token first, then the review: a calibration landing meanwhile either sees the token or is seen.
  await storeToken(calibrationWait(cycleId, employeeId), taskToken);
  if (await calibratedAt()) await resumeTask(taskToken, { calibrated: true });
};

export type ReleaseGate = { released: true } | { released: false; expire: boolean; wakeAt: string };

/**
 * Where a gated request stands while still pending. The review meeting opens once the appraisal is
 * in. The acknowledgment opens once the results are released; until then it waits until its due
 * date, when HR is told (once), and then until its close date. Either expires unopened when the
 * review ended without an appraisal.
 */
export const releaseGate = async (req: HumanRequest, at: Date): Promise<ReleaseGate> => {
  if (!req.cycleId) return { released: true };
  const r = (
    await db().review.get({ cycleId: req.cycleId, employeeId: req.subjectId }).go({ consistent: true })
  ).data;
  if (req.gate === 'appraisal' || r?.releasedAt) {
    // A review without an appraisal has nothing to meet about or release: its later steps never open.
    return r?.status === 'completed'
      ? { released: true }
      : { released: false, expire: true, wakeAt: req.closeAt };
  }
  if (r?.status !== 'in-progress' && r?.status !== 'completed')
    return { released: false, expire: true, wakeAt: req.closeAt };
  if (Date.parse(req.closeAt) <= at.getTime()) return { released: false, expire: true, wakeAt: req.closeAt };
  if (Date.parse(req.dueAt) > at.getTime()) return { released: false, expire: false, wakeAt: req.dueAt };
  const [c, person] = await Promise.all([
    db().cycle.get({ cycleId: req.cycleId }).go(),
    personOf(req.subjectId),
  ]);
  await sendOnce({
    key: `${req.requestId}#unreleased`,
    kind: 'acknowledgment.unreleased',
    toId: 'hr',
    toAddress: config.hrAddress,
    requestId: req.requestId,
    email: unreleasedEmail({
      employeeName: person?.name ?? req.subjectId,
      cycleName: c.data?.name ?? req.cycleId,
      dueAt: req.dueAt,
    }),
  });
  return { released: false, expire: false, wakeAt: req.closeAt };
};

/**
 * When the review meeting was recorded as held: the submission of its request (reviews recorded
 * before that kept the date on the review itself).
 */
export const meetingHeldAt = async (
  review: Pick<Review, 'meetingHeldAt' | 'meetingRequestId'>,
): Promise<string | undefined> => {
  if (review.meetingHeldAt || !review.meetingRequestId) return review.meetingHeldAt;
  const meeting = (await db().request.get({ requestId: review.meetingRequestId }).go()).data;
  return meeting?.status === 'submitted' ? meeting.submittedAt : undefined;
};

/** True when the review a gated request belongs to has been released (checked after parking on it). */
export const isReleased = async (req: Pick<HumanRequest, 'cycleId' | 'subjectId'>): Promise<boolean> =>
  req.cycleId
    ? Boolean(
        (await db().review.get({ cycleId: req.cycleId, employeeId: req.subjectId }).go({ consistent: true }))
          .data?.releasedAt,
      )
    : true;

export type ReleaseOutcome = 'released' | 'already-released' | 'not-ready' | 'not-found';

/**
 * Releases one review's results to the employee, once its appraisal is in. The review and its audit
 * event are written together and only if not yet released; an acknowledgment that would be due
 * within two days gets them; the waiting workflow is resumed.
 */
export const releaseReview = async (
  cycleId: string,
  employeeId: string,
  actor: string,
): Promise<ReleaseOutcome> => {
  const { review, request, audit } = db();
  const r = (await review.get({ cycleId, employeeId }).go({ consistent: true })).data;
  if (!r) return 'not-found';
  if (r.releasedAt) {
    // A retry after a crash between the release and the wake: wake the step still waiting for it.
    if (r.acknowledgmentRequestId) await wakeIfParked(r.acknowledgmentRequestId);
    return 'already-released';
  }
  // Any completed review can be released; one with an acknowledgment step also wakes it.
  if (r.status !== 'completed') return 'not-ready';
  const at = now();
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: review
              .patch({ cycleId, employeeId })
              .set({ releasedAt: at.toISOString(), releasedBy: actor })
              .where((a, op) => `${op.notExists(a.releasedAt)} AND ${op.eq(a.status, 'completed')}`)
              .params(),
          },
          {
            Put: audit
              .create({
                entityKey: `cycle#${cycleId}`,
                at: at.toISOString(),
                eventId: stableId(cycleId, employeeId, 'released'),
                actor,
                action: 'review.released',
                details: { employeeId },
              })
              .params(),
          },
        ],
      }),
    );
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return 'already-released';
  }
  if (!r.acknowledgmentRequestId) return 'released';
  const ack = (await request.get({ requestId: r.acknowledgmentRequestId }).go({ consistent: true })).data;
  const zone = ack?.sendWindow?.timeZone ?? 'UTC';
  // Counted from when the request email can go out (the recipient's next send hour), not from the release.
  const invited = ack?.sendWindow ? nextSendSlot(at, ack.sendWindow) : at;
  const earliest = localDeadline(addDays(invited, MIN_DAYS_TO_ANSWER), zone);
  if (ack && ack.status === 'pending' && Date.parse(ack.dueAt) < earliest.getTime()) {
    const dueAt = earliest.toISOString();
    const hrDays = Math.round((ack.escalations.at(-1)?.afterHours ?? 0) / 24);
    await request
      .patch({ requestId: ack.requestId })
      .set({ dueAt, closeAt: closeAfter(dueAt, zone, hrDays) })
      .where((a, op) => op.eq(a.status, 'pending'))
      .go()
      .catch(ignoreExisting);
  }
  await wakeIfParked(r.acknowledgmentRequestId);
  return 'released';
};

/** The acknowledgment step waiting, unopened, for the release wakes now and opens. */
const wakeIfParked = async (requestId: string) => {
  const parked = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (parked?.status === 'pending')
    await wakeTask(await tokenOf(requestWait(requestId), parked.taskToken), 'results released');
};

/** Reviews released side by side; each is its own conditional transaction. */
const RELEASE_CONCURRENCY = 10;

/** Releases every review of the cycle whose appraisal is in; the others are counted as not ready. */
/** How long one call may spend releasing: well inside API Gateway's 30-second limit. */
export const RELEASE_BUDGET_MS = 20_000;

export type CycleRelease = { released: number; alreadyReleased: number; notReady: number; next?: string };

/**
 * Releases the results of a cycle's completed reviews, a page of 100 at a time, for as long as the
 * time budget allows. When reviews are left, `next` is the cursor to call again with; releasing is
 * idempotent per review, so a call repeated or resumed from an older cursor releases nothing twice.
 */
export const releaseCycle = async (
  cycleId: string,
  actor: string,
  from: { cursor?: string | undefined; budgetMs?: number } = {},
): Promise<CycleRelease> => {
  const counts = { released: 0, alreadyReleased: 0, notReady: 0 };
  const stopAt = Date.now() + (from.budgetMs ?? RELEASE_BUDGET_MS);
  let cursor: string | null = from.cursor ?? null;
  do {
    const page: { data: Review[]; cursor: string | null } = await db()
      .review.query.byCycle({ cycleId })
      .go({ cursor, limit: 100 });
    const queue = [...page.data];
    const worker = async () => {
      for (let r = queue.shift(); r; r = queue.shift()) {
        const outcome = await releaseReview(cycleId, r.employeeId, actor);
        if (outcome === 'released') counts.released += 1;
        else if (outcome === 'already-released') counts.alreadyReleased += 1;
        else counts.notReady += 1;
      }
    };
    await Promise.all(Array.from({ length: RELEASE_CONCURRENCY }, worker));
    cursor = page.cursor;
  } while (cursor && Date.now() < stopAt);
  return cursor ? { ...counts, next: cursor } : counts;
};

export type AcknowledgmentStatus = {
  released: number;
  acknowledged: number;
  disagreements: Array<{ employeeId: string; at: string; disagreement: string }>;
};

/** For HR's cycle status: how many results are released and acknowledged, and every disagreement. */
export const acknowledgmentStatus = async (cycleId: string): Promise<AcknowledgmentStatus> => {
  const status: AcknowledgmentStatus = { released: 0, acknowledged: 0, disagreements: [] };
  const { data } = await db().review.query.byCycle({ cycleId }).go({ pages: 'all' });
  for (const r of data) {
    if (r.releasedAt) status.released += 1;
    const ack = r.acknowledgment as Acknowledgment | undefined;
    if (!ack) continue;
    status.acknowledged += 1;
    if (!ack.agrees)
      status.disagreements.push({
        employeeId: r.employeeId,
        at: ack.at,
        disagreement: ack.disagreement ?? '',
      });
  }
  return status;
};

/* ---------------------------------------------------------------- review meeting invitations */

/**
 * The review meeting's calendar invitation: one event per review (stable UID), at the meeting day's
 * send hour in the employee's zone, organised by the manager with the employee attending.
 */
export const meetingInvite = async (
  req: HumanRequest,
): Promise<{ ics: string; employee: Employee } | undefined> => {
  if (req.kind !== 'review-meeting' || !req.meetingAt || !req.cycleId) return undefined;
  const [employee, manager, cycle] = await Promise.all([
    personOf(req.subjectId),
    personOf(req.recipientId),
    db().cycle.get({ cycleId: req.cycleId }).go(),
  ]);
  if (!employee) return undefined;
  const organizer = manager
    ? { name: manager.name, email: manager.email }
    : { name: 'HR team', email: config.hrAddress };
  const cycleName = cycle.data?.name ?? 'review';
  const ics = meetingIcs({
    uid: `${stableId(req.cycleId, req.subjectId, 'meeting')}@growcycle`,
    start: new Date(req.meetingAt),
    durationMinutes: MEETING_MINUTES,
    summary: `Review meeting: ${employee.name} and ${organizer.name} (${cycleName})`,
    description: `The review meeting of ${cycleName}: the appraisal, the gap analysis and the development plan.`,
    organizer,
    attendee: { name: employee.name, email: employee.email },
    stamp: new Date(req.createdAt),
  });
  return { ics, employee };
};

/** Sends the employee's copy of the meeting invitation, once. The manager's goes with their request email. */
export const sendEmployeeInvitation = async (
  req: HumanRequest,
  invite: { ics: string; employee: Employee },
) => {
  const manager = await personOf(req.recipientId);
  const cycleName = req.cycleId
    ? (await db().cycle.get({ cycleId: req.cycleId }).go()).data?.name
    : undefined;
  await sendOnce({
    key: `${req.requestId}#invitation`,
    kind: 'review-meeting.invitation',
    toId: invite.employee.employeeId,
    toAddress: invite.employee.email,
    requestId: req.requestId,
    email: meetingInvitationEmail({
      recipientName: invite.employee.name,
      otherName: manager?.name ?? 'HR',
      cycleName,
      meetingAt: req.meetingAt ?? req.dueAt,
      timeZone: invite.employee.timeZone,
      ics: invite.ics,
    }),
  });
};
