import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './clients';
import { now } from './clock';
import { approvalRequestId, nominationRequestId } from './cycles';
import { db, type Employee, type HumanRequest } from './db';
import { isConditionFailure } from './errors';
import { markInvited, sendRequestEmail } from './human-step';
import { newId } from './ids';
import { logger } from './logger';

/*
 * Passing an open request to another person (HR re-routes a bounced reviewer, or a manager change
 * moves an appraisal). The request keeps its id, so the running workflow keeps waiting on it with the
 * task token it already stored; only the recipient changes, with the assignment number that the
 * link signs and the email keys carry. The old link stops answering; the new recipient is asked
 * once; the reminder and escalation ladder carries on from where it was.
 */

/** Why a reassignment is refused, with the field at fault; the HTTP layer turns it into a 4xx. */
export type Refusal = { status: 404 | 409 | 422; field: string; message: string };
export type ReassignResult =
  | { ok: true; request: HumanRequest; unchanged: boolean }
  | { ok: false; refusal: Refusal };

// biome-ignore lint/suspicious/noExplicitAny: ElectroDB's params() is typed loosely; the shapes are DynamoDB's own.
type Params = Record<string, any>;

const REASSIGNABLE = new Set<HumanRequest['kind']>([
  'peer-feedback',
  'manager-appraisal',
  // A nomination or its approval can be passed on too (the manager left, the employee is away).
  'peer-nomination',
  'peer-approval',
]);
const refuse = (status: Refusal['status'], field: string, message: string): ReassignResult => ({
  ok: false,
  refusal: { status, field, message },
});

/**
 * The escalation chain for the new recipient: for a manager appraisal, the skip-level is the new
 * appraiser's own manager (HR when they have none). Other steps keep theirs.
 */
const chainFor = (req: HumanRequest, recipient: Employee): HumanRequest['escalations'] =>
  req.kind === 'manager-appraisal'
    ? req.escalations.map((e) =>
        e.role === 'skip-level manager' ? { ...e, toId: recipient.managerId ?? 'hr' } : e,
      )
    : req.escalations;

/** Checks a reassignment without writing anything. */
export const checkReassignment = async (
  req: HumanRequest | undefined,
  recipientId: string,
): Promise<{ ok: true; recipient: Employee } | { ok: false; refusal: Refusal }> => {
  const no = (status: Refusal['status'], field: string, message: string) =>
    ({ ok: false, refusal: { status, field, message } }) as const;
  if (!req) return no(404, 'requestId', 'no such request');
  if (!REASSIGNABLE.has(req.kind))
    return no(422, 'requestId', `a ${req.kind} request belongs to its owner and cannot be passed on`);
  if (req.status === 'submitted' || req.status === 'expired')
    return no(409, 'requestId', `the request is already ${req.status}`);
  const recipient = (await db().employee.get({ employeeId: recipientId }).go({ consistent: true })).data;
  if (!recipient) return no(422, 'recipientId', `no employee ${recipientId}`);
  if (recipient.status === 'left') return no(422, 'recipientId', `${recipientId} has left the organisation`);
  if (recipientId === req.subjectId)
    return no(422, 'recipientId', `${recipientId} is the person being reviewed`);
  if (req.kind === 'peer-feedback' && req.cycleId && recipientId !== req.recipientId) {
    const others = (
      await db()
        .request.query.byCycle({ cycleId: req.cycleId, subjectId: req.subjectId })
        .go({ pages: 'all' })
    ).data;
    if (others.some((o) => o.kind === 'peer-feedback' && o.recipientId === recipientId))
      return no(422, 'recipientId', `${recipientId} already gives peer feedback on ${req.subjectId}`);
  }
  return { ok: true, recipient };
};

/**
 * Passes a request to `recipientId`. One transaction moves the recipient (conditioned on the request
 * still being open and on the assignment it was read at, so two HR admins cannot both win) and records
 * the audit event; the new recipient's email follows, keyed by the assignment. Asking again for the
 * same recipient changes nothing and only makes sure their email went out (a retried call).
 */
export const reassignRequest = async (
  requestId: string,
  recipientId: string,
  actor: string,
  reason: string,
  /** Only move it if it is still with this person (a manager change does not undo HR's own choice). */
  onlyFrom?: string,
): Promise<ReassignResult> => {
  const { request, review, audit } = db();
  const req = (await request.get({ requestId }).go({ consistent: true })).data ?? undefined;
  if (req && onlyFrom !== undefined && req.recipientId !== onlyFrom && req.recipientId !== recipientId)
    return refuse(409, 'recipientId', `the request is with ${req.recipientId}, not ${onlyFrom}`);
  const checked = await checkReassignment(req, recipientId);
  if (!checked.ok) return { ok: false, refusal: checked.refusal };
  const current = req as HumanRequest;
  if (current.recipientId === recipientId && !current.bounced) {
    if (current.status === 'open' && current.assignment) await sendRequestEmail(current, undefined);
    return { ok: true, request: current, unchanged: true };
  }
  const assignment = (current.assignment ?? 0) + 1;
  const at = now().toISOString();
  const escalations = chainFor(current, checked.recipient);
  // The request's emails follow the new reviewer's calendar from now on.
  const sendWindow = current.sendWindow
    ? { ...current.sendWindow, timeZone: checked.recipient.timeZone }
    : undefined;
  const items: Params[] = [
    {
      Update: request
        .patch({ requestId })
        .set({
          recipientId,
          assignment,
          escalations,
          ...(sendWindow ? { sendWindow } : {}),
          // An open request invites its new recipient now; should that email fail, the step's next
          // wake-up sends it, as it does any invitation still due.
          ...(current.status === 'open' ? { inviteAt: at } : {}),
        })
        // An external reviewer's name and address go with them: the request now goes to an employee.
        .remove([
          'bounced',
          'bouncedAt',
          'external',
          ...(current.status === 'open' ? (['invitedAt'] as const) : []),
        ])
        .where(
          (a, op) =>
            `(${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')}) AND ${
              current.assignment ? op.eq(a.assignment, current.assignment) : op.notExists(a.assignment)
            }`,
        )
        .params(),
    },
    {
      Put: audit
        .create({
          entityKey: `request#${requestId}`,
          at,
          eventId: newId(),
          actor,
          action: `${current.kind}.reassigned`,
          details: { from: current.recipientId, to: recipientId, assignment, reason },
        })
        .params(),
    },
    ...(current.cycleId && current.kind === 'manager-appraisal'
      ? [
          {
            Update: review
              .patch({ cycleId: current.cycleId, employeeId: current.subjectId })
              .set({ managerId: recipientId })
              .params(),
          },
        ]
      : []),
  ];
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return refuse(409, 'requestId', 'the request was answered, closed or passed on meanwhile');
  }
  const updated: HumanRequest = {
    ...current,
    recipientId,
    assignment,
    escalations,
    ...(sendWindow ? { sendWindow } : {}),
  };
  delete updated.bounced;
  delete updated.bouncedAt;
  delete updated.external;
  // A pending request is emailed when its step opens; an open one is emailed now.
  if (updated.status === 'open') {
    delete updated.invitedAt;
    await sendRequestEmail(updated, undefined);
    await markInvited(requestId, now());
  }
  logger.info('request reassigned', { requestId, kind: current.kind, assignment });
  return { ok: true, request: updated, unchanged: false };
};

/**
 * A manager change moves the employee's still-open manager appraisals (and their escalation chain)
 * and nomination steps to the new manager, and their self-assessment's escalation to the manager follows too. Called by
 * every path that writes employees, with the records as they were before the write.
 */
export const followManagerChanges = async (
  before: Map<string, Employee>,
  after: Employee[],
  actor: string,
): Promise<{ moved: string[] }> => {
  const moved: string[] = [];
  const changed = after.filter((e) => {
    const old = before.get(e.employeeId);
    return old !== undefined && (old.managerId ?? 'hr') !== (e.managerId ?? 'hr');
  });
  for (const person of changed) {
    const newManagerId = person.managerId;
    const reviews = (
      await db().review.query.byEmployee({ employeeId: person.employeeId }).go({ pages: 'all' })
    ).data.filter((r) => r.status === 'scheduled' || r.status === 'in-progress');
    for (const r of reviews) {
      if (!r.managerRequestId || !newManagerId) {
        // Not started yet (the review reads the manager when it starts), or now at the top: keep the record true.
        if (newManagerId)
          await db()
            .review.patch({ cycleId: r.cycleId, employeeId: r.employeeId })
            .set({ managerId: newManagerId })
            .go();
        continue;
      }
      const oldManagerId = before.get(person.employeeId)?.managerId ?? 'hr';
      const result = await reassignRequest(
        r.managerRequestId,
        newManagerId,
        actor,
        'manager changed',
        oldManagerId,
      );
      if (result.ok && !result.unchanged) moved.push(r.managerRequestId);
      if (!result.ok)
        logger.info('manager appraisal not moved', {
          requestId: r.managerRequestId,
          why: result.refusal.message,
        });
      // The nomination steps with the old manager (the approval, or a nomination the manager makes)
      // follow too; an employee's own nomination is not theirs and stays.
      for (const stepId of [
        nominationRequestId(r.cycleId, r.employeeId),
        approvalRequestId(r.cycleId, r.employeeId),
      ]) {
        const step = await reassignRequest(stepId, newManagerId, actor, 'manager changed', oldManagerId);
        if (step.ok && !step.unchanged) moved.push(stepId);
      }
      if (r.selfRequestId) await followSelfEscalation(r.selfRequestId, oldManagerId, newManagerId);
    }
  }
  return { moved };
};

/** The self-assessment's escalations to the manager and skip-level follow the new reporting line. */
const followSelfEscalation = async (requestId: string, oldManagerId: string, newManagerId: string) => {
  const req = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (!req || (req.status !== 'open' && req.status !== 'pending')) return;
  const newManager = (await db().employee.get({ employeeId: newManagerId }).go()).data;
  const escalations = req.escalations.map((e) => {
    if (e.role === 'their manager' && e.toId === oldManagerId) return { ...e, toId: newManagerId };
    if (e.role === 'skip-level manager') return { ...e, toId: newManager?.managerId ?? 'hr' };
    return e;
  });
  await db()
    .request.patch({ requestId })
    .set({ escalations })
    .where((a, op) => `${op.eq(a.status, 'open')} OR ${op.eq(a.status, 'pending')}`)
    .go()
    .catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
};
