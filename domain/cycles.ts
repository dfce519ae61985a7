import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Catalog, reviewResults } from './appraisal';
import { recordAuditOnce } from './audit';
import { localDeadline, spreadWithinHour } from './calendar';
import { documentClient } from './clients';
import { addDays, addHours, DAY_MS, now, secondsUntil } from './clock';
import { config } from './config';
import { type Cycle, db, type Employee, type HumanRequest, type Review } from './db';
import { cycleReportEmail } from './emails';
import { isConditionFailure } from './errors';
import { executionName, stableId } from './ids';
import { sendOnce } from './mailer';
import { type Acknowledgment, type PhasePlan, phaseRequests } from './phases';
import type { Params } from './responses';
import { cycleScheduleName, scheduleStart } from './schedules';
import { resumeTask, startOnce } from './sfn';
import { TABLE_KEYS } from './table-keys';
import { cycleWait, storeToken, tokenOf } from './wait-tokens';

/** Phase deadlines in days after the cycle start. Issue-level templates replace these defaults. */
export type CycleTimings = { selfDays: number; peerDays: number; managerDays: number; closeDays: number };
export const DEFAULT_TIMINGS: CycleTimings = { selfDays: 7, peerDays: 10, managerDays: 14, closeDays: 21 };

export const PEERS_PER_REVIEW = 3;
export const ANONYMITY_THRESHOLD = 3;
const LAUNCH_PAGE = 100;
const LAUNCH_CONCURRENCY = 10;

/**
 * The ladder a cycle's human steps follow. Without a template a cycle keeps the defaults below;
 * with one, the template's reminder days and escalation policy apply to every step.
 */
export type CyclePolicy = {
  reminderHoursBefore: number[];
  escalationHours: { manager: number; skipLevel: number; hr: number };
  anonymityThreshold: number;
  maxPeers: number;
  /** Peer nominations (template cycles); cycles scheduled before nominations existed have neither. */
  minPeers?: number;
  nominatedBy?: 'employee' | 'manager';
  /** Local send hour and quiet days; cycles scheduled before these existed have neither. */
  sendHour?: number;
  quietDays?: string[];
  /**
   * Days after the start of the phases around the appraisal (goal setting, calibration, review
   * meeting, acknowledgment) that the template enables; cycles scheduled before these have none.
   */
  phases?: { goalSetting?: number; calibration?: number; reviewMeeting?: number; acknowledgment: number };
};

/**
 * When the cycle's policy has a send hour, each request is due (and closes) at the end of the day
 * in its recipient's own zone and its emails go at the recipient's send hour; otherwise the cycle's
 * instants are used as they are.
 */
export const deadlineFor = (policy: CyclePolicy | undefined, timeZone: string, requestId: string) => {
  if (policy?.sendHour === undefined) return { due: (at: string) => at, window: {} };
  const sendWindow = {
    timeZone,
    sendHour: policy.sendHour,
    quietDays: [...(policy.quietDays ?? [])],
    spreadSeconds: spreadWithinHour(requestId),
  };
  return { due: (at: string) => localDeadline(at, timeZone).toISOString(), window: { sendWindow } };
};

/**
 * The steps behind goal setting open only once the goals are settled, which can be later than the
 * template planned. In a cycle whose template has goal setting, each of them carries its phase's own
 * days (`phaseDays`), which it gets from its opening when it opens late (domain/calendar.ts
 * lateOpeningDeadline). As planned, the self-assessment and the peer phase open on the goal-setting
 * due date, and the appraisal on the later of the self-assessment's and the peers' due dates.
 */
export const behindGoalSetting = (
  cycle: Pick<Cycle, 'startAt' | 'selfDueAt' | 'peerDueAt' | 'managerDueAt'>,
  policy: CyclePolicy | undefined,
) => {
  const goalDays = policy?.sendHour !== undefined ? policy.phases?.goalSetting : undefined;
  if (goalDays === undefined) return undefined;
  const day = (at: string) => (Date.parse(at) - Date.parse(cycle.startAt)) / DAY_MS;
  const days = (n: number) => Math.max(0, n);
  return {
    opensAt: addDays(cycle.startAt, goalDays),
    self: days(day(cycle.selfDueAt) - goalDays),
    peerWindow: days(day(cycle.peerDueAt) - goalDays),
    manager: days(day(cycle.managerDueAt) - Math.max(day(cycle.selfDueAt), day(cycle.peerDueAt))),
  };
};

export type CycleRepeat = NonNullable<Cycle['repeat']>;

export type ScheduleCycleInput = {
  cycleId: string;
  name: string;
  startAt: Date;
  participantIds: string[];
  timings: CycleTimings;
  templateId?: string;
  policy?: CyclePolicy;
  repeat?: CycleRepeat;
  /** The template and framework as they are now, kept for the cycle's whole run. */
  catalog?: Catalog;
};

const ignoreExisting = (error: unknown) => {
  if (!isConditionFailure(error)) throw error;
};

/** Writes the cycle and one scheduled review per participant. Re-running it changes nothing. */
export const scheduleCycle = async (input: ScheduleCycleInput, participants: Employee[]): Promise<Cycle> => {
  const { cycle, review } = db();
  const at = (days: number) => addDays(input.startAt, days).toISOString();
  const item: Cycle = {
    cycleId: input.cycleId,
    name: input.name,
    startAt: input.startAt.toISOString(),
    selfDueAt: at(input.timings.selfDays),
    peerDueAt: at(input.timings.peerDays),
    managerDueAt: at(input.timings.managerDays),
    closeAt: at(input.timings.closeDays),
    status: 'scheduled',
    participants: participants.length,
    openReviews: participants.length,
    createdAt: now().toISOString(),
    ...(input.templateId ? { templateId: input.templateId } : {}),
    ...(input.policy ? { policy: input.policy } : {}),
    ...(input.repeat ? { repeat: input.repeat } : {}),
  };
  // The catalog snapshot goes first: once the cycle row exists, a retry stops there.
  if (input.catalog) {
    await db()
      .cycleCatalog.create({ cycleId: input.cycleId, ...input.catalog, createdAt: item.createdAt })
      .go()
      .catch(ignoreExisting);
  }
  // The cycle row is the idempotency guard: a retried schedule finds it and writes no review again,
  // so a review already under way is never reset.
  try {
    await cycle.create(item).go();
  } catch (error) {
    ignoreExisting(error);
    const existing = (await cycle.get({ cycleId: input.cycleId }).go()).data;
    if (existing) return existing;
  }
  await review
    .put(
      participants.map((p) => ({
        cycleId: input.cycleId,
        employeeId: p.employeeId,
        managerId: p.managerId ?? 'hr',
        status: 'scheduled' as const,
      })),
    )
    .go();
  return item;
};

/** Anything due to start within a minute starts now; schedules have minute granularity anyway. */
const START_NOW_WINDOW_MS = 60_000;

/**
 * Starts the cycle's execution at its start date: now when that is (about) now, otherwise from a
 * one-time schedule. Either way under the cycle's deterministic execution name, so a retry starts
 * it once. Returns that name.
 */
export const startCycle = async (
  cycle: Pick<Cycle, 'cycleId' | 'startAt'>,
  stateMachineArn: string = config.cycleStateMachineArn,
): Promise<string> => {
  const name = executionName('cycle', cycle.cycleId);
  const input = { cycleId: cycle.cycleId, startAt: cycle.startAt };
  if (Date.parse(cycle.startAt) <= now().getTime() + START_NOW_WINDOW_MS) {
    await startOnce(stateMachineArn, name, input);
  } else {
    await scheduleStart({
      name: cycleScheduleName(cycle.cycleId),
      at: new Date(cycle.startAt),
      stateMachineArn,
      executionName: name,
      input,
    });
  }
  return name;
};

/**
 * For the cycles the system schedules itself (a series' next cycle, a trigger's review): writes the
 * cycle, starts it, and records it in the audit trail once. A cycle an earlier run already took past
 * "scheduled" (started, or cancelled) is left as it is; false then.
 */
export const scheduleAndStartOnce = async (
  input: ScheduleCycleInput,
  participants: Employee[],
  audit: { actor: string; eventId: string; details: Record<string, unknown> },
  stateMachineArn?: string,
): Promise<boolean> => {
  const cycle = await scheduleCycle(input, participants);
  if (cycle.status !== 'scheduled') return false;
  // A repeat after a crash starts nothing twice: the execution's name is the cycle's.
  await startCycle(cycle, stateMachineArn);
  await recordAuditOnce(
    {
      entityKey: `cycle#${input.cycleId}`,
      at: cycle.createdAt,
      eventId: audit.eventId,
      actor: audit.actor,
      action: 'cycle.scheduled',
    },
    audit.details,
  );
  return true;
};

/** Marks the cycle running; the review executions are launched next, page by page. */
export const openCycle = async (cycleId: string): Promise<{ cycleId: string }> => {
  await db()
    .cycle.patch({ cycleId })
    .set({ status: 'running' })
    .where((a, op) => op.eq(a.status, 'scheduled'))
    .go()
    .catch(ignoreExisting);
  return { cycleId };
};

export const reviewExecutionName = (cycleId: string, employeeId: string) =>
  executionName(cycleId, employeeId);

/**
 * Seconds between two reviews' send slots: each review opens its self-assessment and its peer
 * requests at once, so reviews are spaced to keep those emails at the configured send rate.
 */
export const slotSpacingSeconds = (policy: CyclePolicy | undefined, rate = config.emailSendRate): number =>
  (1 + (policy?.maxPeers ?? PEERS_PER_REVIEW)) / rate;

/**
 * Starts the review executions of one page of participants under deterministic names, so a retried
 * or repeated launch starts each review once. The cursor keeps the cycle's own payload small at any
 * size. Each review is given a send slot (`opensAt`), spaced by `slotSpacingSeconds` from `slotAt`
 * (the previous page's next free slot, or now): a large cycle's first emails then flow at the send
 * rate instead of arriving in one burst that the rate limiter would have to retry away.
 */
export const launchReviews = async (
  cycleId: string,
  cursor: string | null,
  slotAt: string | null = null,
): Promise<{ cursor: string | null; launched: number; nextSlotAt: string }> => {
  const { cycle, review } = db();
  const [page, found] = await Promise.all([
    review.query.byCycle({ cycleId }).go({ cursor, limit: LAUNCH_PAGE }),
    cycle.get({ cycleId }).go(),
  ]);
  const spacingMs = slotSpacingSeconds(found.data?.policy as CyclePolicy | undefined) * 1000;
  const firstSlot = Math.max(now().getTime(), slotAt ? Date.parse(slotAt) : 0);
  // A review taken out of the cycle before the launch (status cancelled) is not started.
  const queue = page.data
    .filter((r) => r.status === 'scheduled' || r.status === 'in-progress')
    .map((r, i) => ({
      employeeId: r.employeeId,
      opensAt: new Date(firstSlot + i * spacingMs).toISOString(),
    }));
  const nextSlotAt = new Date(firstSlot + queue.length * spacingMs).toISOString();
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      await startOnce(config.reviewStateMachineArn, reviewExecutionName(cycleId, next.employeeId), {
        cycleId,
        employeeId: next.employeeId,
        opensAt: next.opensAt,
      });
    }
  };
  await Promise.all(Array.from({ length: LAUNCH_CONCURRENCY }, worker));
  return { cursor: page.cursor, launched: page.data.length, nextSlotAt };
};

/**
 * When the cycle stops waiting for its reviews: an hour after the close date or, when its requests
 * close at the end of the close day in each recipient's zone, once that day has ended everywhere
 * (a local end of day is never more than 24 hours after the instant it is taken from); in a cycle
 * with an acknowledgment step, once that step's last escalation had its day. Normally the last
 * review's end closes the cycle before.
 */
export const cycleClosesAt = (cycle: Pick<Cycle, 'closeAt' | 'policy'>): Date => {
  const policy = cycle.policy as CyclePolicy | undefined;
  const slackHours = policy?.sendHour === undefined ? 1 : 25;
  // With the phases after the appraisal, the close date is the acknowledgment's due date, and each
  // review ends only when its acknowledgment closes: after HR's escalation, the next local day.
  const lastStepHours = policy?.phases ? 24 * (Math.round(policy.escalationHours.hr / 24) + 1) : 0;
  return addHours(cycle.closeAt, lastStepHours + slackHours);
};

export const cycleWaitSeconds = (cycle: Pick<Cycle, 'closeAt' | 'policy'>, at: Date = now()): number =>
  secondsUntil(cycleClosesAt(cycle), at);

export const cycleTimeout = async (
  cycleId: string,
): Promise<{ cycleId: string; waitSeconds: number; closeNow: boolean }> => {
  const found = (await db().cycle.get({ cycleId }).go()).data;
  if (!found) throw new Error(`Cycle ${cycleId} not found`);
  const waitSeconds = cycleWaitSeconds(found);
  // A wake-up within a minute of the close is the close; a later one means HR extended the date.
  return { cycleId, waitSeconds, closeNow: waitSeconds <= 60 };
};

/**
 * Parks the cycle until its last review ends; if that already happened, resumes at once. The token
 * is kept apart from the cycle (domain/wait-tokens.ts), so each review's end, which updates the
 * cycle's counter, rewrites a smaller item.
 */
export const armCycleWait = async (cycleId: string, taskToken: string): Promise<void> => {
  await storeToken(cycleWait(cycleId), taskToken);
  const found = (await db().cycle.get({ cycleId }).go({ consistent: true })).data;
  if (!found) throw new Error(`Cycle ${cycleId} not found`);
  if (found.openReviews <= 0) await resumeTask(taskToken, { cycleId, allReviewsDone: true });
};

const reviewOutcome = (requests: Array<HumanRequest | undefined>, managerRequestId: string | undefined) =>
  requests.find((r) => r?.requestId === managerRequestId)?.status === 'submitted'
    ? 'completed'
    : 'incomplete';

/**
 * Finishes one review once its appraisal step is over: completed when the manager's appraisal is
 * in, incomplete when it expired; the gap analysis is stored. The status change is conditional, so
 * it happens once. With `countAtEnd` (the review workflow's definition says so) the review is
 * counted towards the cycle's close only when its workflow ends, after the acknowledgment
 * (`endReview`); without it (executions started from an older definition, which never call
 * `endReview`) the cycle's open-review counter drops here, in one transaction with the status.
 */
export const finishReview = async (
  cycleId: string,
  employeeId: string,
  options: { countAtEnd?: boolean } = {},
  attempt = 0,
): Promise<{ status: 'completed' | 'incomplete' }> => {
  const { review, request, cycle } = db();
  const current = (await review.get({ cycleId, employeeId }).go({ consistent: true })).data;
  if (!current) throw new Error(`Review ${cycleId}/${employeeId} not found`);
  if (current.status === 'completed' || current.status === 'incomplete') return { status: current.status };
  const manager = current.managerRequestId
    ? ((await request.get({ requestId: current.managerRequestId }).go({ consistent: true })).data ??
      undefined)
    : undefined;
  const status = reviewOutcome([manager], current.managerRequestId);
  try {
    // The gap analysis is computed on what was read; a calibration landing meanwhile fails the
    // condition and the review is read again, so the stored analysis never misses it.
    const results = await reviewResults(cycleId, current);
    const finished = review
      .patch({ cycleId, employeeId })
      .set({
        status,
        finishedAt: now().toISOString(),
        ...results,
        ...(options.countAtEnd ? { countsAtEnd: true } : {}),
      })
      .where((a, op) =>
        [
          op.eq(a.status, 'in-progress'),
          current.calibratedAt ? op.eq(a.calibratedAt, current.calibratedAt) : op.notExists(a.calibratedAt),
        ].join(' AND '),
      );
    if (options.countAtEnd) {
      await documentClient.send(new UpdateCommand(leaveInProgressIndex(finished.params())));
      return { status };
    }
    // One transaction: the review leaves in-progress and the cycle's counter drops together, so a
    // retry after a crash between the two can neither skip nor repeat the decrement.
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Update: leaveInProgressIndex(finished.params()) },
          { Update: cycle.update({ cycleId }).add({ openReviews: -1 }).params() },
        ],
      }),
    );
  } catch (error) {
    ignoreExisting(error);
    const latest = (await review.get({ cycleId, employeeId }).go({ consistent: true })).data;
    if (latest?.status === 'in-progress' && attempt < 3)
      return finishReview(cycleId, employeeId, options, attempt + 1);
    return { status };
  }
  await resumeCycleIfDone(cycleId);
  return { status };
};

/**
 * A finished review leaves the index of reviews by employee, which is read only for reviews still
 * under way (a manager change moves their appraisal): its later writes (meeting, release,
 * acknowledgment) then no longer rewrite an index copy of the whole review, gap analysis included.
 */
const leaveInProgressIndex = <P extends Params>(params: P): P => ({
  ...params,
  UpdateExpression: `${params.UpdateExpression} REMOVE #gsi1pk, #gsi1sk`,
  ExpressionAttributeNames: {
    ...params.ExpressionAttributeNames,
    '#gsi1pk': TABLE_KEYS.gsi1.partitionKey,
    '#gsi1sk': TABLE_KEYS.gsi1.sortKey,
  },
});

/** Resumes the cycle's wait once no review is left open (the cycle then closes and reports). */
export const resumeCycleIfDone = async (cycleId: string): Promise<void> => {
  const left = (await db().cycle.get({ cycleId }).go({ consistent: true })).data;
  if (left && left.openReviews <= 0)
    await resumeTask(await tokenOf(cycleWait(cycleId), left.waitToken), { cycleId, allReviewsDone: true });
};

/**
 * The writes that count a review done for its cycle, for a transaction: the review's end marker
 * (conditional, so it is written once) and the cycle's counter. The acknowledgment's submission
 * adds them to its own transaction; every other end goes through `endReview`.
 */
export const reviewEndWrites = (cycleId: string, employeeId: string, at: string): Params[] => [
  { Put: db().reviewEnd.create({ cycleId, employeeId, endedAt: at }).params() },
  { Update: db().cycle.update({ cycleId }).add({ openReviews: -1 }).params() },
];

/**
 * Whether the review is counted at its end: finished by a definition that says so, not ended yet.
 * A review an older definition counted at its finish, or one not finished, is not counted again.
 */
export const countsAtEnd = (review: Pick<Review, 'countsAtEnd'> | undefined | null): boolean =>
  review?.countsAtEnd === true;

/**
 * The review's workflow reached its end (its acknowledgment acknowledged, expired or skipped):
 * counts it done for the cycle, once, and resumes the cycle when it was the last one. Safe to retry.
 */
export const endReview = async (cycleId: string, employeeId: string): Promise<void> => {
  const review = (await db().review.get({ cycleId, employeeId }).go({ consistent: true })).data;
  if (!countsAtEnd(review)) return;
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: reviewEndWrites(cycleId, employeeId, now().toISOString()),
      }),
    );
  } catch (error) {
    // Counted already (a retry, or the acknowledgment's submission did it).
    ignoreExisting(error);
    return;
  }
  await resumeCycleIfDone(cycleId);
};

export type CycleCounts = {
  participants: number;
  scheduled: number;
  inProgress: number;
  completed: number;
  incomplete: number;
  cancelled: number;
};

export type CycleReport = CycleCounts & {
  /** In a cycle with an acknowledgment step: results released, acknowledged, and disagreements recorded. */
  released?: number;
  acknowledged?: number;
  disagreements?: number;
};

/** The reviews of a cycle by status and, with `acknowledgments`, by release and acknowledgment; one pass, in pages. */
export const cycleReport = async (cycleId: string, acknowledgments = false): Promise<CycleReport> => {
  const counts: CycleCounts = {
    participants: 0,
    scheduled: 0,
    inProgress: 0,
    completed: 0,
    incomplete: 0,
    cancelled: 0,
  };
  const acks = { released: 0, acknowledged: 0, disagreements: 0 };
  let cursor: string | null = null;
  do {
    const page: { data: Review[]; cursor: string | null } = await db()
      .review.query.byCycle({ cycleId })
      .go({ cursor, limit: 1000 });
    for (const r of page.data) {
      counts.participants += 1;
      if (r.status === 'scheduled') counts.scheduled += 1;
      else if (r.status === 'in-progress') counts.inProgress += 1;
      else counts[r.status] += 1;
      if (r.releasedAt) acks.released += 1;
      const ack = r.acknowledgment as Acknowledgment | undefined;
      if (ack) acks.acknowledged += 1;
      if (ack && !ack.agrees) acks.disagreements += 1;
    }
    cursor = page.cursor;
  } while (cursor);
  return acknowledgments ? { ...counts, ...acks } : counts;
};

export const countReviews = (cycleId: string): Promise<CycleCounts> => cycleReport(cycleId);

/**
 * Closes the cycle, stores its report (the reviews by outcome and, in a cycle with an
 * acknowledgment step, how many results were released and acknowledged and how many
 * acknowledgments recorded a disagreement) and sends it to HR once.
 */
export const closeCycle = async (cycleId: string): Promise<CycleReport> => {
  const found = (await db().cycle.get({ cycleId }).go()).data;
  if (!found) throw new Error(`Cycle ${cycleId} not found`);
  const report = await cycleReport(cycleId, (found.policy as CyclePolicy | undefined)?.phases !== undefined);
  await db().cycle.patch({ cycleId }).set({ status: 'closed', report }).go();
  await sendOnce({
    key: `${cycleId}#report`,
    kind: 'cycle.report',
    toId: 'hr',
    toAddress: config.hrAddress,
    email: cycleReportEmail({
      cycleName: found.name,
      participants: report.participants,
      completed: report.completed,
      incomplete: report.incomplete,
      inProgress: report.inProgress + report.scheduled,
    }),
  });
  return report;
};

/** Colleagues who share the employee's manager, chosen in a stable order so a retry picks the same. */
export const pickPeers = (employee: Employee, teammates: Employee[], count = PEERS_PER_REVIEW): Employee[] =>
  teammates
    .filter((t) => t.employeeId !== employee.employeeId && t.status === 'active')
    .sort((a, b) =>
      stableId(employee.employeeId, a.employeeId).localeCompare(stableId(employee.employeeId, b.employeeId)),
    )
    .slice(0, count);

/** The peers a review gets when nobody nominates: teammates, in pickPeers' stable order. */
export const autoPickedPeers = async (
  employee: Employee,
  policy: Pick<CyclePolicy, 'maxPeers'> | undefined,
): Promise<Employee[]> => {
  const teammates = employee.managerId
    ? (await db().employee.query.byManager({ managerId: employee.managerId }).go({ pages: 'all' })).data
    : [];
  return pickPeers(employee, teammates, policy?.maxPeers ?? PEERS_PER_REVIEW);
};

export type ReviewPlan = {
  cycleId: string;
  employeeId: string;
  selfRequestId: string;
  managerRequestId: string;
  peerRequestIds: string[];
  /** A cycle made from a template asks for nominations first, and the manager's approval when the employee nominates. */
  nominationRequestId?: string;
  approvalRequestId?: string;
} & PhasePlan;

export const nominationRequestId = (cycleId: string, employeeId: string) =>
  stableId(cycleId, employeeId, 'nomination');
export const approvalRequestId = (cycleId: string, employeeId: string) =>
  stableId(cycleId, employeeId, 'approval');

const peerLadder = (policy: CyclePolicy | undefined) => policy?.reminderHoursBefore ?? [48];

/**
 * One peer's feedback request on a review, under an id stable per reviewer, so creating it again
 * creates nothing. A reviewer from outside the organisation carries their name and address.
 */
export const peerRequest = (
  cycle: Pick<Cycle, 'cycleId' | 'startAt' | 'selfDueAt' | 'peerDueAt' | 'managerDueAt'>,
  policy: CyclePolicy | undefined,
  employeeId: string,
  reviewer: { recipientId: string; timeZone: string; external?: { name: string; email: string } },
  createdAt: string,
): HumanRequest => {
  const requestId = stableId(cycle.cycleId, employeeId, 'peer', reviewer.recipientId);
  const peer = deadlineFor(policy, reviewer.timeZone, requestId);
  // Behind goal setting, peers keep at least half of the peer phase, as the nomination steps plan.
  const late = behindGoalSetting(cycle, policy);
  return {
    subjectId: employeeId,
    cycleId: cycle.cycleId,
    status: 'pending',
    createdAt,
    remindersSent: 0,
    escalationsSent: 0,
    ...peer.window,
    requestId,
    kind: 'peer-feedback',
    recipientId: reviewer.recipientId,
    ...(reviewer.external ? { external: reviewer.external } : {}),
    dueAt: peer.due(cycle.peerDueAt),
    closeAt: peer.due(addDays(cycle.peerDueAt, 1).toISOString()),
    reminderHoursBefore: peerLadder(policy),
    escalations: [],
    ...(late ? { phaseDays: late.peerWindow / 2 } : {}),
  };
};

/** A moment `share` of the way from now to the peer due date: the nomination steps fit in its first half. */
const partWay = (from: Date, to: string, share: number) =>
  new Date(from.getTime() + Math.max(0, Date.parse(to) - from.getTime()) * share).toISOString();

/**
 * The nomination request to the nominator (the employee, or the manager when the template says so)
 * and, when the employee nominates, the manager's approval: due a fifth and two fifths of the way to
 * the peer due date, closing a tenth later, so the peers keep at least half of their time. Neither
 * escalates: an unanswered nomination falls back to the auto-picked teammates, an unanswered approval
 * leaves the nominations standing.
 */
const nominationRequests = (
  review: {
    cycleId: string;
    employeeId: string;
    managerId: string;
    opened: Date;
    peerDueAt: string;
    /** Behind goal setting: its planned end, from which the nomination steps are planned. */
    goalsDueAt?: Date | undefined;
  },
  policy: CyclePolicy | undefined,
  base: Pick<
    HumanRequest,
    'subjectId' | 'cycleId' | 'status' | 'createdAt' | 'remindersSent' | 'escalationsSent'
  >,
  zoneOf: (id: string) => string,
): HumanRequest[] => {
  const { cycleId, employeeId, managerId, peerDueAt, goalsDueAt } = review;
  const opened = goalsDueAt && goalsDueAt > review.opened ? goalsDueAt : review.opened;
  const windowDays = Math.max(0, Date.parse(peerDueAt) - opened.getTime()) / DAY_MS;
  const byManager = policy?.nominatedBy === 'manager';
  const steps = [
    {
      requestId: nominationRequestId(cycleId, employeeId),
      kind: 'peer-nomination' as const,
      recipientId: byManager ? managerId : employeeId,
      due: 0.2,
      share: 0.2,
    },
    ...(byManager
      ? []
      : [
          {
            requestId: approvalRequestId(cycleId, employeeId),
            kind: 'peer-approval' as const,
            recipientId: managerId,
            due: 0.4,
            share: 0.2,
          },
        ]),
  ];
  return steps.map((s) => {
    const window = deadlineFor(policy, zoneOf(s.recipientId), s.requestId);
    return {
      ...base,
      ...window.window,
      requestId: s.requestId,
      kind: s.kind,
      recipientId: s.recipientId,
      dueAt: window.due(partWay(opened, peerDueAt, s.due)),
      closeAt: window.due(partWay(opened, peerDueAt, s.due + 0.1)),
      reminderHoursBefore: policy?.reminderHoursBefore ?? [24],
      escalations: [],
      // Its own share of the window, from the step before it (goal setting, the nomination).
      ...(goalsDueAt ? { phaseDays: windowDays * s.share } : {}),
    };
  });
};

/**
 * Creates the review's requests (self-assessment, one per peer, manager appraisal) with stable ids,
 * each with its deadline, reminder ladder and escalation chain, and marks the review in progress.
 */
export const startReview = async (cycleId: string, employeeId: string): Promise<ReviewPlan> => {
  const { cycle, employee, review, request } = db();
  const [c, e, r] = await Promise.all([
    cycle.get({ cycleId }).go(),
    employee.get({ employeeId }).go(),
    review.get({ cycleId, employeeId }).go(),
  ]);
  const theCycle = c.data;
  const theEmployee = e.data;
  if (!theCycle || !theEmployee || !r.data) {
    throw new Error(`Review ${cycleId}/${employeeId} is missing its cycle, employee or review`);
  }
  const managerId = theEmployee.managerId ?? 'hr';
  const manager = managerId === 'hr' ? undefined : (await employee.get({ employeeId: managerId }).go()).data;
  const skipLevelId = manager?.managerId ?? 'hr';
  const policy = theCycle.policy as CyclePolicy | undefined;
  // A cycle made from a template asks for nominations; the peer requests follow once they are in,
  // so only a cycle without one reads the team here.
  const nominated = theCycle.templateId !== undefined;
  const peers = nominated ? [] : await autoPickedPeers(theEmployee, policy);
  const ladder = (fallback: number[]) => policy?.reminderHoursBefore ?? fallback;
  const createdAt = now().toISOString();
  const selfClose = addDays(theCycle.peerDueAt, 1).toISOString();
  const base = {
    subjectId: employeeId,
    cycleId,
    status: 'pending' as const,
    createdAt,
    remindersSent: 0,
    escalationsSent: 0,
  };
  const zoneOf = (id: string) =>
    id === employeeId ? theEmployee.timeZone : id === managerId ? (manager?.timeZone ?? 'UTC') : 'UTC';
  const selfId = stableId(cycleId, employeeId, 'self');
  const appraisalId = stableId(cycleId, employeeId, 'manager');
  const self = deadlineFor(policy, theEmployee.timeZone, selfId);
  const appraiser = deadlineFor(policy, zoneOf(managerId), appraisalId);
  const late = behindGoalSetting(theCycle, policy);
  const nominations = nominated
    ? nominationRequests(
        {
          cycleId,
          employeeId,
          managerId,
          opened: new Date(createdAt),
          peerDueAt: theCycle.peerDueAt,
          goalsDueAt: late?.opensAt,
        },
        policy,
        base,
        zoneOf,
      )
    : [];
  const requests: HumanRequest[] = [
    {
      ...base,
      ...self.window,
      requestId: selfId,
      kind: 'self-assessment',
      recipientId: employeeId,
      dueAt: self.due(theCycle.selfDueAt),
      closeAt: self.due(selfClose),
      reminderHoursBefore: ladder([72, 24]),
      escalations: policy
        ? [
            { afterHours: policy.escalationHours.manager, toId: managerId, role: 'their manager' },
            { afterHours: policy.escalationHours.skipLevel, toId: skipLevelId, role: 'skip-level manager' },
            { afterHours: policy.escalationHours.hr, toId: 'hr', role: 'HR' },
          ]
        : [{ afterHours: 24, toId: managerId, role: 'their manager' }],
      ...(late ? { phaseDays: late.self } : {}),
    },
    ...peers.map((p) =>
      peerRequest(
        theCycle,
        policy,
        employeeId,
        { recipientId: p.employeeId, timeZone: p.timeZone },
        createdAt,
      ),
    ),
    ...nominations,
    {
      ...base,
      ...appraiser.window,
      requestId: appraisalId,
      kind: 'manager-appraisal',
      recipientId: managerId,
      dueAt: appraiser.due(theCycle.managerDueAt),
      closeAt: appraiser.due(theCycle.closeAt),
      reminderHoursBefore: ladder([72, 24]),
      escalations: [
        { afterHours: policy?.escalationHours.manager ?? 24, toId: skipLevelId, role: 'skip-level manager' },
        { afterHours: policy?.escalationHours.hr ?? 72, toId: 'hr', role: 'HR' },
      ],
      ...(late ? { phaseDays: late.manager } : {}),
    },
  ];
  const phases = phaseRequests({
    cycle: theCycle,
    employee: theEmployee,
    managerId,
    managerZone: zoneOf(managerId),
    skipLevelId,
    base,
  });
  await Promise.all(
    [...requests, ...phases.requests].map((req) => request.create(req).go().catch(ignoreExisting)),
  );
  const plan: ReviewPlan = {
    cycleId,
    employeeId,
    selfRequestId: requests[0]?.requestId ?? '',
    managerRequestId: requests[requests.length - 1]?.requestId ?? '',
    peerRequestIds: requests.filter((q) => q.kind === 'peer-feedback').map((q) => q.requestId),
    ...phases.plan,
    // The steps after the appraisal run in every review; one the review does not have is skipped ('').
    meetingRequestId: phases.plan.meetingRequestId ?? '',
    acknowledgmentRequestId: phases.plan.acknowledgmentRequestId ?? '',
    ...Object.fromEntries(
      nominations.map((q) => [
        q.kind === 'peer-nomination' ? 'nominationRequestId' : 'approvalRequestId',
        q.requestId,
      ]),
    ),
  };
  await review
    .patch({ cycleId, employeeId })
    .set({
      status: 'in-progress',
      startedAt: createdAt,
      selfRequestId: plan.selfRequestId,
      managerRequestId: plan.managerRequestId,
      peerRequestIds: plan.peerRequestIds,
      ...(phases.requests.length ? { phases: phases.plan } : {}),
      // Goal setting's round 1 is created here, so a round approved at once needs no round Lambda.
      ...(phases.plan.goals ? { goalRound: 1 } : {}),
      ...(phases.plan.meetingRequestId ? { meetingRequestId: phases.plan.meetingRequestId } : {}),
      ...(phases.plan.acknowledgmentRequestId
        ? { acknowledgmentRequestId: phases.plan.acknowledgmentRequestId }
        : {}),
    })
    .where((a, op) => op.eq(a.status, 'scheduled'))
    .go()
    .catch(ignoreExisting);
  return plan;
};
