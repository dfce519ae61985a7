import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { PlanPolicy } from '../catalog/documents';
import { person } from '../human-steps/emails';
import { groupWaitId, resumeGroupIfSettled } from '../human-steps/group';
import type { StepKinds } from '../human-steps/kinds';
import { closeUnanswered } from '../human-steps/step';
import { draftChangedEmail, localDate, noticeEmail } from '../mail/compose';
import { signedUrl } from '../mail/links';
import { sendOnce, sendSoon } from '../mail/send';
import { employeeById, type FollowManagerChanges } from '../people/org';
import { recordAudit, recordAuditOnce } from '../platform/audit';
import { type LocalDay, localDay } from '../platform/calendar';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { config } from '../platform/config';
import { startOnce } from '../platform/executions';
import { newId, planExecution, stableId } from '../platform/ids';
import { logger } from '../platform/logger';
import {
  db,
  type HumanRequest,
  ignoreConditionFailure,
  isConditionFailure,
  type Params,
  type Plan,
} from '../platform/table';
import { wakeWait } from '../platform/wait-tokens';
import {
  applyEdit,
  type Draft,
  type DraftEdit,
  type DraftPlanItem,
  draftChanges,
  dueDay,
  fieldsOfItem,
  KIND_LABELS,
  NEW_KEY,
} from './agreement-form';
import { agreedDueAt, type DraftSource } from './draft';
import { daysFrom, lineOf, ownerGone } from './items';
import {
  badMentor,
  checkNewPlan,
  firstCheckIn,
  itemIdOf,
  type NewItem,
  type NewPlan,
  newItemRecord,
  type PlanOutcome,
  planById,
  plansOf,
} from './plans';

/*
 * A drafted plan's agreement: a plan created as a draft (drafted from a review's evidence, or by HR
 * or the manager for a promotion or an improvement plan) starts only once its owner and their
 * manager agree to the same revision of it. Each has a request of kind `plan-agreement`, the two
 * waited for as one group by the plan's workflow (workflows/development-plan.ts), each with its own
 * link to the form (./agreement-form.ts). A party's request stands submitted while they agree to the
 * current revision and open otherwise, so reminders and HR's escalation go only to whoever has not
 * agreed. Every edit is one transaction, conditional on the revision the form was rendered from and
 * on the agreement it read: it makes a new revision, clears the other party's agreement (reopening
 * their request) and tells them once per revision. Both agreeing to one revision starts the plan in
 * that same transaction: its items and their first requests are written, both requests settle, and
 * the workflow goes on to start the items. Closed unagreed, the plan is cancelled and HR told. A
 * change of the owner's manager while it is a draft moves the manager's request to the new manager.
 */

/** Days the two have to agree; reminders go a week and a day before. */
export const AGREEMENT_DAYS = 14;
const REMINDER_DAYS = [7, 1];
/** HR hears of a party who has not agreed this many days after the due date. */
export const HR_AFTER_DAYS = 2;
/** The agreement closes this many days after its due date; the plan is then cancelled. */
export const CLOSE_AFTER_DAYS = 7;
/** Why a draft that closed unagreed was cancelled. */
export const NOT_AGREED = 'not agreed';

export type Party = 'owner' | 'manager';
const PARTIES: Party[] = ['owner', 'manager'];
const other = (party: Party): Party => (party === 'owner' ? 'manager' : 'owner');

export const agreementRequestId = (planId: string, party: Party): string =>
  stableId(planId, 'agreement', party);
/** The two requests, the owner's first: the group the plan's workflow waits for. */
export const agreementRequestIds = (planId: string): string[] =>
  PARTIES.map((party) => agreementRequestId(planId, party));

const agreedField = (party: Party) =>
  party === 'owner' ? ('ownerAgreed' as const) : ('managerAgreed' as const);
/** The plan's attribute that holds a party's agreement, set to a revision. */
const agreedAs = (party: Party, revision: number): Pick<Plan, 'ownerAgreed' | 'managerAgreed'> =>
  party === 'owner' ? { ownerAgreed: revision } : { managerAgreed: revision };
/** The revision a party last agreed to (0: none). */
const agreedOf = (plan: Plan, party: Party): number => plan[agreedField(party)] ?? 0;
/** Whether each party agrees to the plan's current revision. */
export const agreement = (plan: Plan): Record<Party, boolean> => ({
  owner: plan.revision !== undefined && agreedOf(plan, 'owner') === plan.revision,
  manager: plan.revision !== undefined && agreedOf(plan, 'manager') === plan.revision,
});

const draftOf = (plan: Plan): Draft | undefined => plan.draft as Draft | undefined;

/**
 * A party's emails go at the policy's send hour where they live; HR, agreeing for an owner without a
 * manager, gets theirs at once.
 */
const sendWindowOf = (
  policy: PlanPolicy,
  recipient: { id: string; timeZone: string },
): Pick<HumanRequest, 'sendWindow'> =>
  recipient.id === 'hr'
    ? {}
    : {
        sendWindow: {
          timeZone: recipient.timeZone,
          sendHour: policy.sendHour,
          quietDays: policy.quietDays,
        },
      };

/** One party's request: due in two weeks where the owner lives, HR told after, closed a week later. */
const agreementRequest = (
  plan: Pick<Plan, 'planId' | 'title'> & { policy: PlanPolicy },
  party: Party,
  recipient: { id: string; timeZone: string },
  ownerId: string,
  dates: { dueAt: string; closeAt: string },
  at: string,
): HumanRequest => ({
  requestId: agreementRequestId(plan.planId, party),
  kind: 'plan-agreement',
  recipientId: recipient.id,
  subjectId: ownerId,
  planId: plan.planId,
  title: plan.title,
  ...dates,
  reminderHoursBefore: REMINDER_DAYS.map((d) => d * 24),
  escalations: [{ afterHours: HR_AFTER_DAYS * 24, toId: 'hr', role: 'HR' }],
  ...sendWindowOf(plan.policy, recipient),
  status: 'pending',
  remindersSent: 0,
  escalationsSent: 0,
  // The two are one group from the start (domain/human-steps/group.ts): either answer may end the wait.
  groupIds: agreementRequestIds(plan.planId),
  createdAt: at,
});

/**
 * A plan to draft: as for a plan started at once, each item perhaps saying where it came from and
 * whether its due date is a proposal counted from today (`dueProposed`), which the plan's start moves
 * by the days agreeing took.
 */
export type NewDraft = NewPlan & {
  items: Array<NewItem & { source?: DraftSource | undefined; dueProposed?: boolean | undefined }>;
  mentoringGiven?: Draft['mentoringGiven'] | undefined;
};

const draftItem = (item: NewDraft['items'][number], key: string): DraftPlanItem => ({
  key,
  kind: item.kind ?? 'practice',
  title: item.title,
  dueAt: item.dueAt.toISOString(),
  ...(item.competencyId ? { competencyId: item.competencyId } : {}),
  ...(item.definitionOfDone ? { definitionOfDone: item.definitionOfDone } : {}),
  ...(item.mentorId ? { mentorId: item.mentorId } : {}),
  ...(item.sessionEveryDays ? { sessionEveryDays: item.sessionEveryDays } : {}),
  ...(item.source ? { source: item.source } : {}),
  ...(item.dueProposed ? { dueProposed: true as const } : {}),
});

/**
 * Creates a draft plan under the given id and starts its workflow, which asks the owner and their
 * manager (HR when they have none) to agree to it. A retry with the same id drafts it once: the
 * requests and the plan are conditional puts, the execution is named after the plan.
 */
export const createDraft = async (input: NewDraft, actor: string, planId: string): Promise<PlanOutcome> => {
  const checked = await checkNewPlan(input);
  if (checked.outcome !== 'ok') return checked;
  const { line, policyId, policy } = checked;
  const at = now().toISOString();
  const timeZone = line.owner.timeZone;
  const dueAt = daysFrom(at, AGREEMENT_DAYS, timeZone);
  const dates = { dueAt, closeAt: daysFrom(dueAt, CLOSE_AFTER_DAYS, timeZone) };
  const draft: Draft = {
    items: input.items.map((item, i) => draftItem(item, `d${i + 1}`)),
    nextKey: input.items.length + 1,
    managerId: line.managerId,
    ...(input.mentoringGiven?.length ? { mentoringGiven: input.mentoringGiven } : {}),
  };
  const plan: Plan = {
    planId,
    ownerId: input.ownerId,
    title: input.title,
    status: 'draft',
    origin: input.origin ?? 'manual',
    ...(input.cycleId ? { cycleId: input.cycleId } : {}),
    policyId,
    policy,
    openItems: 0,
    itemCount: 0,
    checkIns: 0,
    createdAt: at,
    createdBy: actor,
    draft,
    revision: 1,
    ownerAgreed: 0,
    managerAgreed: 0,
  };
  const manager = line.managerId === 'hr' ? undefined : await employeeById(line.managerId);
  const requests = [
    agreementRequest(
      { ...plan, policy },
      'owner',
      { id: line.owner.employeeId, timeZone },
      plan.ownerId,
      dates,
      at,
    ),
    agreementRequest(
      { ...plan, policy },
      'manager',
      { id: line.managerId, timeZone: manager?.timeZone ?? timeZone },
      plan.ownerId,
      dates,
      at,
    ),
  ];
  // The requests before the plan: a retry that finds the plan finds them too.
  await Promise.all(requests.map((r) => db().request.create(r).go().catch(ignoreConditionFailure)));
  await db().plan.create(plan).go().catch(ignoreConditionFailure);
  const stored = (await planById(planId)) ?? plan;
  await startOnce(config.planStateMachineArn, planExecution(planId), {
    planId,
    agreementRequestIds: agreementRequestIds(planId),
  });
  await recordAudit(`plan#${planId}`, actor, 'plan.drafted', {
    ownerId: stored.ownerId,
    policyId,
    items: draft.items.length,
  });
  return { outcome: 'created', plan: stored };
};

/** Which party a request of the plan's agreement asks. */
export const partyOf = (req: Pick<HumanRequest, 'requestId' | 'planId'>): Party =>
  req.requestId === agreementRequestId(req.planId ?? '', 'owner') ? 'owner' : 'manager';

/** What the agreement form shows its recipient: the draft, who is who, and who agrees already. */
export type AgreementView = {
  plan: Plan;
  draft: Draft;
  party: Party;
  /** The owner's zone: item dates are days where the owner lives. */
  timeZone: string;
  today: LocalDay;
  ownerName: string;
  managerName: string;
  cycleName?: string | undefined;
  agreed: Record<Party, boolean>;
  /** Names of the mentors named, and of whoever made the latest change. */
  names: Record<string, string>;
};

const nameOf = async (id: string): Promise<string> => {
  if (id === 'hr') return 'HR';
  return (await employeeById(id))?.name ?? id;
};

/** The draft as one party's form shows it; undefined when the plan is gone or not a draft any more. */
export const agreementView = async (req: HumanRequest): Promise<AgreementView | undefined> => {
  const plan = req.planId ? await planById(req.planId) : undefined;
  const draft = plan && draftOf(plan);
  if (plan?.status !== 'draft' || !draft) return undefined;
  const owner = await employeeById(plan.ownerId);
  const timeZone = owner?.timeZone ?? 'UTC';
  const ids = [
    ...new Set([
      plan.ownerId,
      draft.managerId,
      ...draft.items.flatMap((i) => (i.mentorId ? [i.mentorId] : [])),
      ...(draft.lastChange ? [draft.lastChange.by] : []),
    ]),
  ];
  const names = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await nameOf(id)] as const)));
  const cycle = plan.cycleId ? (await db().cycle.get({ cycleId: plan.cycleId }).go()).data : undefined;
  return {
    plan,
    draft,
    party: partyOf(req),
    timeZone,
    today: localDay(now(), timeZone),
    ownerName: names[plan.ownerId] ?? plan.ownerId,
    managerName: names[draft.managerId] ?? draft.managerId,
    cycleName: cycle?.name,
    agreed: agreement(plan),
    names,
  };
};

export type DraftAnswer =
  /** Written: a new revision (`changed`), or the party's agreement given or taken back. */
  | { outcome: 'saved'; plan: Plan; changed: boolean }
  /** Nothing to write: the form came back as it was shown. */
  | { outcome: 'unchanged'; plan: Plan }
  /** Both agree: the plan has started. */
  | { outcome: 'started'; plan: Plan }
  /** The form was rendered from an older revision: nothing written; the plan as it is now. */
  | { outcome: 'stale'; plan: Plan }
  | { outcome: 'invalid'; errors: Record<string, string> }
  /** `passed-on`: the request is someone else's now (the owner's manager changed). */
  | { outcome: 'closed'; why: 'started' | 'cancelled' | 'expired' | 'passed-on' };

/**
 * A request's status and assignment, checked in a transaction that does not otherwise write it: an
 * answer counts only while the request is still with whom it was read with.
 */
const stillAt = (req: HumanRequest): Params => {
  const { Key, TableName } = db()
    .request.get({ requestId: req.requestId })
    .params<{ Key: Record<string, string>; TableName: string }>();
  return {
    ConditionCheck: {
      TableName,
      Key,
      ConditionExpression: `#status = :status AND ${req.assignment ? '#assignment = :assignment' : 'attribute_not_exists(#assignment)'}`,
      ExpressionAttributeNames: { '#status': 'status', '#assignment': 'assignment' },
      ExpressionAttributeValues: {
        ':status': req.status,
        ...(req.assignment ? { ':assignment': req.assignment } : {}),
      },
    },
  };
};

/** A request moved to a status, only from the status and assignment it was read in. */
const moveRequest = (req: HumanRequest, status: 'open' | 'submitted', at: string): Params => {
  const patch = db().request.patch({ requestId: req.requestId });
  const moved =
    status === 'submitted'
      ? patch.set({ status, submittedAt: at })
      : patch.set({ status }).remove(['submittedAt']);
  return {
    Update: moved
      .where(
        (a, op) =>
          `${op.eq(a.status, req.status)} AND ${req.assignment ? op.eq(a.assignment, req.assignment) : op.notExists(a.assignment)}`,
      )
      .params(),
  };
};

const auditPut = (planId: string, actor: string, action: string, at: string, details: object): Params => ({
  Put: db()
    .audit.create({ entityKey: `plan#${planId}`, at, eventId: newId(), actor, action, details })
    .params(),
});

/** A plan in draft, as read: its draft typed (the table keeps it whole, untyped). */
type DraftedPlan = Omit<Plan, 'draft' | 'revision'> & { draft: Draft; revision: number };

type Loaded =
  | { ok: true; plan: DraftedPlan; mine: HumanRequest; theirs: HumanRequest }
  | { ok: false; answer: DraftAnswer };

const load = async (req: HumanRequest): Promise<Loaded> => {
  const planId = req.planId ?? '';
  const party = partyOf(req);
  const [plan, mine, theirs] = await Promise.all([
    planById(planId),
    db().request.get({ requestId: req.requestId }).go({ consistent: true }),
    db()
      .request.get({ requestId: agreementRequestId(planId, other(party)) })
      .go({ consistent: true }),
  ]);
  if (plan?.status === 'active' || plan?.status === 'closed')
    return { ok: false, answer: { outcome: 'closed', why: 'started' } };
  const draft = plan && draftOf(plan);
  if (plan?.status !== 'draft' || !draft || plan.revision === undefined)
    return { ok: false, answer: { outcome: 'closed', why: 'cancelled' } };
  if (!mine.data || !theirs.data || mine.data.status === 'expired' || theirs.data.status === 'expired')
    return { ok: false, answer: { outcome: 'closed', why: 'expired' } };
  // Moved to the owner's new manager since the form was opened: this answer is no longer theirs to give.
  if ((mine.data.assignment ?? 0) !== (req.assignment ?? 0))
    return { ok: false, answer: { outcome: 'closed', why: 'passed-on' } };
  return {
    ok: true,
    plan: { ...plan, draft, revision: plan.revision },
    mine: mine.data,
    theirs: theirs.data,
  };
};

/** Mentors named on the edited items who may not mentor this plan, on the field that named them. */
const mentorProblems = async (
  ownerId: string,
  before: DraftPlanItem[],
  after: DraftPlanItem[],
): Promise<Record<string, string>> => {
  const was = new Map(before.map((i, n) => [i.key, { item: i, n }]));
  const named = after.filter((i) => i.mentorId && i.mentorId !== was.get(i.key)?.item.mentorId);
  const bad = await badMentor({ ownerId, items: named });
  const item = bad ? named[bad.index] : undefined;
  if (!item) return {};
  const old = was.get(item.key);
  const field = old ? fieldsOfItem(item.key, old.n).mentorId : fieldsOfItem(NEW_KEY, before.length).mentorId;
  return { [field.name]: `${field.short}: ${item.mentorId} is not a colleague who can mentor this plan` };
};

/**
 * One party's answer on the agreement form: an edit, their agreement given or taken back, or both.
 * Applied only to the revision the form was rendered from (`stale` otherwise, nothing written) and
 * as one transaction; a race with the other party's answer is read again and retried.
 */
export const answerDraft = async (req: HumanRequest, edit: DraftEdit): Promise<DraftAnswer> => {
  for (let attempt = 0; attempt < 3; attempt++) {
    const loaded = await load(req);
    if (!loaded.ok) return loaded.answer;
    if (loaded.plan.revision !== edit.revision) return { outcome: 'stale', plan: loaded.plan };
    const answer = await tryAnswer(loaded, edit);
    if (answer !== 'raced') return answer;
  }
  const latest = await load(req);
  return latest.ok ? { outcome: 'stale', plan: latest.plan } : latest.answer;
};

const tryAnswer = async (
  { plan, mine, theirs }: Extract<Loaded, { ok: true }>,
  edit: DraftEdit,
): Promise<DraftAnswer | 'raced'> => {
  const party = partyOf(mine);
  const owner = await employeeById(plan.ownerId);
  const timeZone = owner?.timeZone ?? 'UTC';
  const next = applyEdit(plan.draft, edit, timeZone);
  const problems = await mentorProblems(plan.ownerId, plan.draft.items, next.items);
  if (Object.keys(problems).length) return { outcome: 'invalid', errors: problems };
  const names = new Map<string, string>();
  for (const id of new Set(next.items.flatMap((i) => (i.mentorId ? [i.mentorId] : []))))
    names.set(id, await nameOf(id));
  const changes = draftChanges(plan.draft.items, next.items, timeZone, (id) => names.get(id) ?? id);
  const R = plan.revision;
  const agreedNow = agreedOf(plan, party) === R;
  if (changes.length === 0 && edit.agree === agreedNow) return { outcome: 'unchanged', plan };
  const at = now().toISOString();
  const by = mine.recipientId;
  if (changes.length === 0 && edit.agree && agreedOf(plan, other(party)) === R)
    return start(plan, party, mine, theirs, by, at);
  const revision = changes.length ? R + 1 : R;
  const agreed = {
    ...agreedAs(party, edit.agree ? revision : 0),
    ...agreedAs(other(party), changes.length ? 0 : agreedOf(plan, other(party))),
  };
  const draft: Draft = changes.length
    ? { ...plan.draft, ...next, lastChange: { revision, by, at, changes } }
    : plan.draft;
  const reopenTheirs = changes.length > 0 && theirs.status === 'submitted';
  const items: Params[] = [
    {
      Update: db()
        .plan.patch({ planId: plan.planId })
        .set({ revision, ...agreed, ...(changes.length ? { draft } : {}) })
        .where(
          (a, op) =>
            `${op.eq(a.status, 'draft')} AND ${op.eq(a.revision, R)} AND ${op.eq(a.ownerAgreed, agreedOf(plan, 'owner'))} AND ${op.eq(a.managerAgreed, agreedOf(plan, 'manager'))}`,
        )
        .params(),
    },
    mine.status === (edit.agree ? 'submitted' : 'open')
      ? stillAt(mine)
      : moveRequest(mine, edit.agree ? 'submitted' : 'open', at),
    reopenTheirs ? moveRequest(theirs, 'open', at) : stillAt(theirs),
    auditPut(plan.planId, by, changes.length ? 'plan.draft-changed' : 'plan.draft-agreement', at, {
      revision,
      agrees: edit.agree,
      changes: changes.length,
    }),
  ];
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return 'raced';
  }
  // A request back to open has its reminders again: the group's wait recomputes its next wake-up.
  if (reopenTheirs || (mine.status === 'submitted' && !edit.agree))
    await wakeWait(groupWaitId(agreementRequestIds(plan.planId)), 'draft plan changed');
  if (changes.length) await tellOfChange(plan, theirs, by, revision, changes);
  const saved = { ...plan, revision, ...agreed, draft };
  return { outcome: 'saved', plan: saved, changed: changes.length > 0 };
};

/**
 * Both agree to revision R: in one transaction the plan becomes active with its items and their
 * first requests, and both requests settle; then the workflow's wait is let go. The due dates the
 * draft proposed move later by the days agreeing took; a date either party set is kept as set.
 */
const start = async (
  plan: DraftedPlan,
  party: Party,
  mine: HumanRequest,
  theirs: HumanRequest,
  by: string,
  at: string,
): Promise<DraftAnswer | 'raced'> => {
  const line = await lineOf(plan.ownerId);
  if (!line) return { outcome: 'closed', why: 'cancelled' };
  const records = plan.draft.items.map((d, i) =>
    newItemRecord(
      plan,
      {
        kind: d.kind,
        title: d.title,
        dueAt: new Date(d.dueProposed ? agreedDueAt(d.dueAt, plan.createdAt, at) : d.dueAt),
        competencyId: d.competencyId,
        definitionOfDone: d.definitionOfDone,
        mentorId: d.mentorId,
        sessionEveryDays: d.sessionEveryDays,
      },
      itemIdOf(i + 1),
      line,
      by,
      at,
    ),
  );
  const R = plan.revision;
  const n = records.length;
  const items: Params[] = [
    {
      Update: db()
        .plan.patch({ planId: plan.planId })
        .set({
          status: 'active',
          openItems: n,
          itemCount: n,
          agreedAt: at,
          ...firstCheckIn(plan.policy, at),
          ...agreedAs(party, R),
        })
        .remove(['draft'])
        .where(
          (a, op) =>
            `${op.eq(a.status, 'draft')} AND ${op.eq(a.revision, R)} AND ${op.eq(a[agreedField(other(party))], R)} AND ${op.eq(a[agreedField(party)], agreedOf(plan, party))}`,
        )
        .params(),
    },
    ...records.flatMap(({ record, request }) => [
      { Put: db().planItem.create(record).params() },
      { Put: db().request.create(request).params() },
    ]),
    mine.status === 'submitted' ? stillAt(mine) : moveRequest(mine, 'submitted', at),
    stillAt({ ...theirs, status: 'submitted' }),
    auditPut(plan.planId, by, 'plan.agreed', at, { revision: R, items: n }),
  ];
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return 'raced';
  }
  await resumeGroupIfSettled({ requestId: mine.requestId, status: 'submitted', groupIds: mine.groupIds });
  return { outcome: 'started', plan: (await planById(plan.planId)) ?? plan };
};

/**
 * Tells the other party, once per revision, that the draft changed and what changed, with their own
 * link. The edit is stored already: a notice that cannot go out now is logged, not refused, and the
 * change travels with the request's reminders too (the kind's email details below).
 */
const tellOfChange = async (
  plan: Plan,
  theirs: HumanRequest,
  by: string,
  revision: number,
  changes: string[],
) => {
  try {
    const [editor, recipient, owner] = await Promise.all([
      nameOf(by),
      person(theirs.recipientId),
      nameOf(plan.ownerId),
    ]);
    const url = await signedUrl(
      { requestId: theirs.requestId, nonce: theirs.linkNonce, assignment: theirs.assignment },
      new Date(theirs.closeAt),
      (plan.policy as { linkMaxDays?: number } | undefined)?.linkMaxDays,
    );
    await sendSoon(() =>
      sendOnce({
        key: `${plan.planId}#draft#r${revision}#${theirs.recipientId}`,
        kind: 'plan-agreement.notice',
        toId: recipient.id,
        toAddress: recipient.email,
        requestId: theirs.requestId,
        email: draftChangedEmail({
          recipientName: recipient.name,
          editorName: editor,
          ownerName: owner,
          ownPlan: theirs.recipientId === plan.ownerId,
          revision,
          changes,
          dueAt: theirs.dueAt,
          timeZone: recipient.timeZone,
          url,
        }),
      }),
    );
  } catch (error) {
    logger.warn('draft plan change notice not sent', {
      planId: plan.planId,
      requestId: theirs.requestId,
      revision,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
};

/**
 * After the agreement's wait ended (both agreed, or the requests closed): whether the plan goes on.
 * A draft still unagreed is cancelled, "not agreed" (or "the owner left"), its open requests closed,
 * and HR told once; a draft HR cancelled meanwhile stays as HR left it. Safe to retry.
 */
export const settleAgreement = async (planId: string): Promise<{ agreed: boolean }> => {
  const plan = await planById(planId);
  if (!plan) throw new Error(`Plan ${planId} not found`);
  if (plan.status === 'active' || plan.status === 'closed') return { agreed: true };
  if (plan.status === 'draft') {
    const reason = (await ownerGone(plan.ownerId)) ? 'the owner left' : NOT_AGREED;
    await db()
      .plan.patch({ planId })
      .set({ status: 'cancelled', endReason: reason, closedAt: now().toISOString() })
      .where((a, op) => op.eq(a.status, 'draft'))
      .go()
      .catch(ignoreConditionFailure);
  }
  const latest = (await planById(planId)) ?? plan;
  if (latest.status === 'active') return { agreed: true };
  await Promise.all(agreementRequestIds(planId).map(closeUnanswered));
  if (latest.endReason === NOT_AGREED) await tellHrNotAgreed(latest);
  return { agreed: false };
};

const tellHrNotAgreed = async (plan: Plan) => {
  const draft = draftOf(plan);
  const [ownerName, managerName] = await Promise.all([
    nameOf(plan.ownerId),
    nameOf(draft?.managerId ?? 'hr'),
  ]);
  const agreed = agreement(plan);
  const stance = (name: string, yes: boolean) => `${name} ${yes ? 'agreed' : 'did not agree'}`;
  const due = (
    await db()
      .request.get({ requestId: agreementRequestId(plan.planId, 'owner') })
      .go()
  ).data?.dueAt;
  await sendOnce({
    key: `${plan.planId}#not-agreed`,
    kind: 'plan.notice',
    toId: 'hr',
    toAddress: config.hrAddress,
    email: noticeEmail({
      recipientName: 'HR team',
      subject: `Development plan not agreed: ${ownerName}`,
      lines: [
        `The draft development plan “${plan.title}” for ${ownerName} was not agreed${due ? ` (it was due ${localDate(due, 'UTC')})` : ''}: ${stance(ownerName, agreed.owner)}; ${stance(managerName, agreed.manager)} to version ${plan.revision ?? 1}.`,
        'The draft is cancelled and nothing more is sent about it. Once they have talked, draft it again by hand (POST /plans with draft: true): a review drafts its plan once.',
      ],
    }),
  });
  // Once, however often the step that cancelled it is retried.
  await recordAuditOnce(
    {
      entityKey: `plan#${plan.planId}`,
      at: plan.closedAt ?? now().toISOString(),
      eventId: stableId(plan.planId, 'not-agreed'),
      actor: 'growcycle',
      action: 'plan.not-agreed',
    },
    { revision: plan.revision },
  );
};

/**
 * Moves a draft's manager agreement to `managerId`, the owner's manager now: one transaction gives
 * the manager's request to them under a new assignment (so the old manager's link stops answering),
 * opens it again if the old manager had agreed, whose agreement no longer counts, and names them on
 * the draft. The new manager's invitation is then the step's to send, at their send hour, like any
 * invitation still due: the wait is woken for it. A request not opened yet is emailed when it opens.
 * Returns whether it moved; a race with an answer is read again and retried.
 */
const moveManagerAgreement = async (planId: string, managerId: string, actor: string): Promise<boolean> => {
  const requestId = agreementRequestId(planId, 'manager');
  for (let attempt = 0; attempt < 3; attempt++) {
    const [plan, found] = await Promise.all([
      planById(planId),
      db().request.get({ requestId }).go({ consistent: true }),
    ]);
    const draft = plan && draftOf(plan);
    const req = found.data;
    if (plan?.status !== 'draft' || !draft || plan.revision === undefined) return false;
    if (!req || req.status === 'expired' || req.recipientId === managerId) return false;
    const manager = managerId === 'hr' ? undefined : await employeeById(managerId);
    if (managerId !== 'hr' && !manager) return false;
    const at = now().toISOString();
    const status = req.status === 'pending' ? 'pending' : 'open';
    const window = sendWindowOf(plan.policy, { id: managerId, timeZone: manager?.timeZone ?? 'UTC' });
    const R = plan.revision;
    const items: Params[] = [
      {
        Update: db()
          .plan.patch({ planId })
          .set({ draft: { ...draft, managerId }, managerAgreed: 0 })
          .where(
            (a, op) =>
              `${op.eq(a.status, 'draft')} AND ${op.eq(a.revision, R)} AND ${op.eq(a.managerAgreed, agreedOf(plan, 'manager'))}`,
          )
          .params(),
      },
      {
        Update: db()
          .request.patch({ requestId })
          .set({
            recipientId: managerId,
            assignment: (req.assignment ?? 0) + 1,
            status,
            ...window,
            ...(status === 'open' ? { inviteAt: at } : {}),
          })
          .remove([
            'submittedAt',
            'bounced',
            'bouncedAt',
            ...(status === 'open' ? (['invitedAt'] as const) : []),
            ...(window.sendWindow ? [] : (['sendWindow'] as const)),
          ])
          .where(
            (a, op) =>
              `${op.eq(a.status, req.status)} AND ${req.assignment ? op.eq(a.assignment, req.assignment) : op.notExists(a.assignment)}`,
          )
          .params(),
      },
      auditPut(planId, actor, 'plan.manager-changed', at, {
        from: req.recipientId,
        to: managerId,
        revision: R,
      }),
    ];
    try {
      await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      continue;
    }
    if (status === 'open')
      await wakeWait(groupWaitId(agreementRequestIds(planId)), 'draft plan manager changed');
    return true;
  }
  logger.warn('draft plan manager agreement not moved', { planId, requestId });
  return false;
};

/**
 * The owner's manager changed while their plan is a draft: the manager's agreement goes to the new
 * manager (HR, for an owner left without one). Called by every write of employees with the records
 * as they were before it (domain/people/org.ts); returns the requests it moved.
 */
export const followDraftManagers: FollowManagerChanges = async (before, after, actor) => {
  const moved: string[] = [];
  for (const person of after) {
    const old = before.get(person.employeeId);
    const managerId = person.managerId ?? 'hr';
    if (!old || (old.managerId ?? 'hr') === managerId) continue;
    const drafts = (await plansOf(person.employeeId)).filter((p) => p.status === 'draft');
    for (const plan of drafts)
      if (await moveManagerAgreement(plan.planId, managerId, actor))
        moved.push(agreementRequestId(plan.planId, 'manager'));
  }
  return { moved };
};

/** Wakes a draft's wait for agreement (HR cancelled it): its requests find themselves withdrawn. */
export const wakeAgreement = async (planId: string): Promise<void> => {
  await wakeWait(groupWaitId(agreementRequestIds(planId)), 'draft plan cancelled');
};

/** A line per proposed item, and the latest change when someone else made it: what the emails list. */
const draftDetails = async (req: HumanRequest): Promise<string[]> => {
  const plan = req.planId ? await planById(req.planId) : undefined;
  const draft = plan && draftOf(plan);
  if (!plan || !draft) return [];
  const zone = (await employeeById(plan.ownerId))?.timeZone ?? 'UTC';
  const items = draft.items.map((i) => `${i.title} (${KIND_LABELS[i.kind]}), due ${dueDay(i.dueAt, zone)}`);
  const change = draft.lastChange;
  return change && change.by !== req.recipientId
    ? [...items, `Changed by ${await nameOf(change.by)}: ${change.changes.join('; ')}`]
    : items;
};

/** What the agreement's requests add to the human step (domain/human-steps/kinds.ts). */
export const agreementStepKinds: StepKinds = {
  'plan-agreement': {
    // Started, cancelled, or its owner gone: nothing more is asked or sent.
    withdrawn: async (req) => {
      const plan = req.planId ? await planById(req.planId) : undefined;
      if (plan?.status !== 'draft') return true;
      return ownerGone(plan.ownerId);
    },
    email: async (req) => ({ details: await draftDetails(req) }),
  },
};
