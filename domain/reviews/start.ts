import { behindGoalSetting, type CyclePolicy, deadlineFor, PEERS_PER_REVIEW } from '../cycles/policy';
import { addLocalDays, localDay, nextSendSlot, zonedTime } from '../platform/calendar';
import { addDays, DAY_MS, now } from '../platform/clock';
import { stableId } from '../platform/ids';
import { type Cycle, db, type Employee, type HumanRequest, ignoreConditionFailure } from '../platform/table';
import { type GoalRoundResult, goalRoundIds, goalRoundRequests } from './goal-setting';
import { closeAfter, laddersFor } from './ladders';
import { meetingTime } from './meeting';

/*
 * The start of one employee's review: every request it will need, created once under stable ids with
 * their deadlines in each recipient's calendar, their reminders and escalation chains: goal setting,
 * the self-assessment, the peer nominations or the auto-picked peers, the manager's appraisal, and
 * the steps after it that the template enables (the review meeting, the acknowledgment).
 */

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

/** Colleagues' peer-feedback requests on a review, one each. */
export const colleaguesAsPeers = (
  cycle: Parameters<typeof peerRequest>[0],
  policy: CyclePolicy | undefined,
  employeeId: string,
  colleagues: Array<Pick<Employee, 'employeeId' | 'timeZone'>>,
  createdAt: string,
): HumanRequest[] =>
  colleagues.map((p) =>
    peerRequest(cycle, policy, employeeId, { recipientId: p.employeeId, timeZone: p.timeZone }, createdAt),
  );

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
        ? laddersFor(policy, managerId, skipLevelId).employee
        : [{ afterHours: 24, toId: managerId, role: 'their manager' }],
      ...(late ? { phaseDays: late.self } : {}),
    },
    ...colleaguesAsPeers(theCycle, policy, employeeId, peers, createdAt),
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
    [...requests, ...phases.requests].map((req) => request.create(req).go().catch(ignoreConditionFailure)),
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
    .catch(ignoreConditionFailure);
  return plan;
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
 * results are released). Nothing for a cycle without a template.
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
          sendHour: policy.sendHour,
          quietDays: policy.quietDays,
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
