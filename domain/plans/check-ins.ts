import type { PlanPolicy } from '../catalog/documents';
import {
  type ChoiceField,
  choiceSchema,
  type Form,
  readField,
  type TextField,
  textSchema,
} from '../catalog/forms';
import { queueNotice } from '../human-steps/digest-items';
import { person } from '../human-steps/emails';
import type { StepKind, StepKinds } from '../human-steps/kinds';
import { goalsOf } from '../people/goals';
import { addDays, now } from '../platform/clock';
import { stableId } from '../platform/ids';
import {
  db,
  type Employee,
  type HumanRequest,
  type Params,
  type Plan,
  type PlanItem,
} from '../platform/table';
import type { Parsed, PhaseForm } from '../reviews/phase-forms';
import { daysFrom, isFollowed, ownerGone, windowOf } from './items';
import { DEFAULT_SESSION_DAYS, sessionDays } from './plans';

/*
 * Ongoing assessment between reviews. At the policy's rounds (./plans.ts firstCheckIn) the owner is
 * asked for a short update on each open item and on their goals (reminded once, the day before it is
 * due); the update goes on the items' and goals' records and reaches the manager in their digest when
 * the round is due, with the rest of their team's. Coaching and mentoring items ask the coach (the
 * owner's manager at the time) or the mentor, at the item's cadence, whether the session was held,
 * with a note the owner sees on their plan. A bounced mentor's request can be passed to another
 * mentor, who then mentors the item.
 */

type Active = Plan & { policy: PlanPolicy };

/**
 * A question the plan asks someone without escalating it: due after `days` in their zone, reminded
 * once the day before, missed once that day is over.
 */
const askOf = (
  plan: Active,
  ask: Pick<HumanRequest, 'requestId' | 'kind' | 'subjectId' | 'title'> & { itemId?: string },
  recipient: Employee,
  days: number,
  at: string,
): HumanRequest => {
  const dueAt = daysFrom(at, days, recipient.timeZone);
  return {
    ...ask,
    recipientId: recipient.employeeId,
    planId: plan.planId,
    dueAt,
    closeAt: addDays(dueAt, 1).toISOString(),
    reminderHoursBefore: [24],
    escalations: [],
    sendWindow: windowOf(plan.policy, recipient.timeZone),
    status: 'pending',
    remindersSent: 0,
    remindersAtOpen: true,
    escalationsSent: 0,
    createdAt: at,
  };
};

/** The owner's check-in number `n` of the plan. */
export const checkInRequest = (plan: Active, owner: Employee, n: number, at: string): HumanRequest =>
  askOf(
    plan,
    {
      requestId: stableId(plan.planId, 'check-in', String(n)),
      kind: 'check-in',
      subjectId: owner.employeeId,
      title: plan.title,
    },
    owner,
    plan.policy.checkIns.answerDays,
    at,
  );

/** Who confirms an item's sessions: its mentor, or for coaching the owner's manager now. */
export const sessionHost = (item: PlanItem, owner: Employee): string | undefined =>
  item.kind === 'mentoring' ? item.mentorId : item.kind === 'coaching' ? owner.managerId : undefined;

/** The question to the coach or mentor whether session `k` of the item was held. */
export const sessionRequest = (
  plan: Active,
  item: PlanItem,
  host: Employee,
  k: number,
  at: string,
): HumanRequest =>
  askOf(
    plan,
    {
      requestId: stableId(plan.planId, item.itemId, 'session', String(k)),
      kind: 'session',
      subjectId: item.ownerId,
      itemId: item.itemId,
      title: item.title,
    },
    host,
    plan.policy.sessions.confirmDays,
    at,
  );

export type Asks = { requests: HumanRequest[]; writes: Params[] };

/**
 * What is due at `at`: the next check-in, and a session question for each coaching or mentoring item
 * whose session date has come, each with the writes that move the plan and the items on (conditional,
 * so a retried step asks nothing twice). Sessions of an item whose host has no record are skipped.
 */
export const dueAsks = async (plan: Active, items: PlanItem[], at: Date): Promise<Asks> => {
  const iso = at.toISOString();
  const owner = (await db().employee.get({ employeeId: plan.ownerId }).go()).data;
  if (!owner) return { requests: [], writes: [] };
  const requests: HumanRequest[] = [];
  const writes: Params[] = [];
  const every = plan.policy.checkIns.everyDays;
  if (every > 0 && plan.nextCheckInAt && Date.parse(plan.nextCheckInAt) <= at.getTime())
    requests.push(checkInRequest(plan, owner, plan.checkIns + 1, iso));
  for (const item of items.filter(isFollowed)) {
    if (!item.nextSessionAt || Date.parse(item.nextSessionAt) > at.getTime()) continue;
    const hostId = sessionHost(item, owner);
    const host = hostId ? (await db().employee.get({ employeeId: hostId }).go()).data : undefined;
    const next = addDays(item.nextSessionAt, sessionDays(item) ?? DEFAULT_SESSION_DAYS);
    writes.push({
      Update: db()
        .planItem.patch({ planId: item.planId, itemId: item.itemId })
        .set({ nextSessionAt: next.toISOString(), ...(host ? { sessions: item.sessions + 1 } : {}) })
        .where((a, op) => op.eq(a.nextSessionAt, item.nextSessionAt as string))
        .params(),
    });
    if (host && host.status !== 'left') {
      const request = sessionRequest(plan, item, host, item.sessions + 1, iso);
      requests.push(request);
    }
  }
  if (requests.length === 0 && writes.length === 0) return { requests, writes };
  const checkIn = requests.find((r) => r.kind === 'check-in');
  writes.push({
    Update: db()
      .plan.patch({ planId: plan.planId })
      .set({
        asking: requests.map((r) => r.requestId),
        ...(checkIn
          ? {
              checkIns: plan.checkIns + 1,
              nextCheckInAt: addDays(plan.nextCheckInAt as string, every).toISOString(),
            }
          : {}),
      })
      .where((a, op) => op.eq(a.checkIns, plan.checkIns))
      .params(),
  });
  for (const r of requests) writes.push({ Put: db().request.create(r).params() });
  return { requests, writes };
};

const contextOf = async (req: HumanRequest) => {
  if (!req.planId) return undefined;
  const plan = (await db().plan.get({ planId: req.planId }).go({ consistent: true })).data;
  if (!plan) return undefined;
  const items = (
    await db().planItem.query.byPlan({ planId: req.planId }).go({ pages: 'all', consistent: true })
  ).data;
  return { plan, items };
};

/** No longer wanted: the plan is over, its owner left, or (a session) its item is. */
const withdrawn = async (req: HumanRequest): Promise<boolean> => {
  const ctx = await contextOf(req);
  if (ctx?.plan.status !== 'active') return true;
  if (req.kind === 'session') {
    const item = ctx.items.find((i) => i.itemId === req.itemId);
    if (!item || !isFollowed(item)) return true;
  }
  return ownerGone(ctx.plan.ownerId);
};

/** The check-in's fields: a line on each item still followed and each live goal, and a note. */
const checkInFields = (items: PlanItem[], goals: Array<{ goalId: string; title: string }>): TextField[] => [
  ...items.map(
    (i): TextField => ({
      name: `item-${i.itemId}`,
      type: 'text',
      label: `How is “${i.title}” going?`,
      short: `The update on ${i.title}`,
      required: false,
      maxLength: 1000,
    }),
  ),
  ...goals.map(
    (g): TextField => ({
      name: `goal-${g.goalId}`,
      type: 'text',
      label: `Progress on your goal “${g.title}”`,
      short: `The progress on ${g.title}`,
      required: false,
      maxLength: 1000,
    }),
  ),
  {
    name: 'note',
    type: 'text',
    label: 'Anything else your manager should know?',
    short: 'The note',
    required: false,
    maxLength: 2000,
  },
];

type CheckInAnswer = { items: Record<string, string>; goals: Record<string, string>; note: string };

const liveGoals = async (ownerId: string) =>
  (await goalsOf(ownerId)).filter((g) => g.status === 'active').slice(0, 20);

const checkInForm = async (req: HumanRequest): Promise<PhaseForm | undefined> => {
  const ctx = await contextOf(req);
  if (!ctx) return undefined;
  const items = ctx.items.filter(isFollowed);
  const goals = await liveGoals(ctx.plan.ownerId);
  const fields = checkInFields(items, goals);
  const form: Form = {
    kind: 'check-in',
    title: 'Your check-in',
    intro: 'A line on each is plenty. Your manager reads your update in their next email.',
    submit: 'Send my update',
    reference: [],
    sections: [{ fields }],
  };
  return {
    form,
    parse: (values): Parsed => {
      const read: Record<string, string> = {};
      for (const field of fields) {
        const value = readField(field, textSchema(field), values);
        if (!value.ok) return value;
        read[field.name] = value.value;
      }
      if (Object.values(read).every((v) => v === ''))
        return { ok: false, errors: { note: 'Write at least one update' } };
      const pick = (prefix: string) =>
        Object.fromEntries(
          Object.entries(read)
            .filter(([k, v]) => k.startsWith(prefix) && v !== '')
            .map(([k, v]) => [k.slice(prefix.length), v]),
        );
      const answer: CheckInAnswer = { items: pick('item-'), goals: pick('goal-'), note: read.note ?? '' };
      return { ok: true, answers: answer, extra: [] };
    },
  };
};

const HELD: ChoiceField = {
  name: 'held',
  type: 'choice',
  label: 'Was the session held?',
  short: 'whether it was held',
  options: [
    { value: 'yes', label: 'Yes, it was held' },
    { value: 'no', label: 'No, not this time' },
  ],
};
const SESSION_NOTE: TextField = {
  name: 'note',
  type: 'text',
  label: 'A note for them: what you worked on, what comes next (optional)',
  short: 'The note',
  required: false,
  maxLength: 2000,
};

const sessionForm = async (_req: HumanRequest): Promise<PhaseForm> => ({
  form: {
    kind: 'session',
    title: 'The session',
    intro: 'Your note goes on their development plan, where they read it.',
    submit: 'Send',
    reference: [],
    sections: [{ fields: [HELD, SESSION_NOTE] }],
  },
  parse: (values): Parsed => {
    const held = readField(HELD, choiceSchema(HELD), values);
    if (!held.ok) return held;
    const note = readField(SESSION_NOTE, textSchema(SESSION_NOTE), values);
    if (!note.ok) return note;
    return {
      ok: true,
      answers: { held: held.value === 'yes', ...(note.value ? { note: note.value } : {}) },
      extra: [],
    };
  },
});

/** The form of a check-in or a session question, or undefined for another request. */
export const checkInFormFor = (req: HumanRequest): Promise<PhaseForm | undefined> =>
  req.kind === 'check-in'
    ? checkInForm(req)
    : req.kind === 'session'
      ? sessionForm(req)
      : Promise.resolve(undefined);

const checkInAnswer: StepKind['answer'] = async (req, raw, at) => {
  const answer = raw as CheckInAnswer;
  const ctx = await contextOf(req);
  if (!ctx) return { writes: [], storedElsewhere: false };
  const writes: Params[] = [];
  for (const [itemId, note] of Object.entries(answer.items)) {
    if (!ctx.items.some((i) => i.itemId === itemId)) continue;
    writes.push({
      Update: db()
        .planItem.patch({ planId: ctx.plan.planId, itemId })
        .append({ history: [{ at, by: req.recipientId, what: 'check-in', note }] })
        .params(),
    });
  }
  const goals = new Set((await liveGoals(ctx.plan.ownerId)).map((g) => g.goalId));
  for (const [goalId, note] of Object.entries(answer.goals)) {
    if (!goals.has(goalId)) continue;
    writes.push({
      Update: db()
        .goal.patch({ goalId })
        .append({ progress: [{ at, by: req.recipientId, note }] })
        .set({ updatedAt: at })
        .params(),
    });
  }
  return {
    writes,
    storedElsewhere: false,
    // The manager (HR when the owner has none) reads the update once the round is due: every report
    // asked in the same round is in the same digest, one email however many answered.
    after: async () => {
      const owner = (await db().employee.get({ employeeId: ctx.plan.ownerId }).go()).data;
      if (!req.sendWindow) return;
      await queueNotice(
        { ...req, sendWindow: req.sendWindow },
        await person(owner?.managerId ?? 'hr'),
        now(),
        new Date(req.dueAt),
      );
    },
  };
};

const checkInNotice: StepKind['notice'] = async (req) => {
  const ctx = await contextOf(req);
  const answer = req.answer as CheckInAnswer | undefined;
  if (!ctx || !answer) return undefined;
  const owner = await person(ctx.plan.ownerId);
  const titles = new Map(ctx.items.map((i) => [i.itemId, i.title]));
  const goals = new Map((await goalsOf(ctx.plan.ownerId)).map((g) => [g.goalId, g.title]));
  return {
    subject: `Check-in from ${owner.name}`,
    lines: [
      `${owner.name} checked in on their development plan “${ctx.plan.title}”.`,
      ...Object.entries(answer.items).map(([id, note]) => `${titles.get(id) ?? id}: ${note}`),
      ...Object.entries(answer.goals).map(([id, note]) => `Goal “${goals.get(id) ?? id}”: ${note}`),
      ...(answer.note ? [`Note: ${answer.note}`] : []),
    ],
  };
};

const sessionAnswer: StepKind['answer'] = async (req, raw, at) => {
  const answer = raw as { held: boolean; note?: string };
  if (!req.planId || !req.itemId) return { writes: [], storedElsewhere: false };
  const item = db().planItem.patch({ planId: req.planId, itemId: req.itemId });
  const entry = {
    at,
    by: req.recipientId,
    what: answer.held ? 'session held' : 'session not held',
    ...(answer.note ? { note: answer.note } : {}),
  };
  return {
    writes: [
      {
        Update: (answer.held ? item.add({ sessionsHeld: 1 }) : item).append({ history: [entry] }).params(),
      },
    ],
    storedElsewhere: true,
  };
};

export const checkInStepKinds: StepKinds = {
  'check-in': { answer: checkInAnswer, withdrawn, notice: checkInNotice },
  session: {
    answer: sessionAnswer,
    withdrawn,
    reassign: {
      // A coaching session is the owner's manager's to confirm: a new coach is a manager change.
      refuse: async (req) => {
        const item =
          req.planId && req.itemId
            ? (await db().planItem.get({ planId: req.planId, itemId: req.itemId }).go()).data
            : undefined;
        return item?.kind === 'mentoring'
          ? undefined
          : 'a coaching session is confirmed by the owner’s manager';
      },
      // A mentoring item follows its new mentor.
      writes: (req, recipientId) =>
        req.planId && req.itemId
          ? [
              {
                Update: db()
                  .planItem.patch({ planId: req.planId, itemId: req.itemId })
                  .set({ mentorId: recipientId })
                  .where((a, op) => op.eq(a.kind, 'mentoring'))
                  .params(),
              },
            ]
          : [],
    },
  },
};
