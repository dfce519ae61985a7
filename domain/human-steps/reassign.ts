import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { EmailInFlightError, EmailThrottledError } from '../mail/send';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { newId } from '../platform/ids';
import { logger } from '../platform/logger';
import { db, type Employee, type HumanRequest, isConditionFailure, type Params } from '../platform/table';
import { requestWait, wakeWait } from '../platform/wait-tokens';
import { sendRequestEmail } from './emails';
import { groupWaitId } from './group';
import { kindOf, type StepKinds } from './kinds';
import { markInvited } from './step';

/*
 * Passing an open request to another person (HR re-routes a bounced reviewer, or a manager change
 * moves an appraisal). The request keeps its id, so the running workflow keeps waiting on it with the
 * task token it already stored; only the recipient changes, with the assignment number that the link
 * signs and the email keys carry. The old link stops answering; the new recipient is asked once; the
 * reminder and escalation ladder carries on from where it was. Which kinds may be passed on, and what
 * moves with them, the kinds table says (./kinds.ts).
 */

/** Why a reassignment is refused, with the field at fault; the HTTP layer turns it into a 4xx. */
export type Refusal = { status: 404 | 409 | 422; field: string; message: string };

export type ReassignResult =
  | { ok: true; request: HumanRequest; unchanged: boolean }
  | { ok: false; refusal: Refusal };

const refuse = (status: Refusal['status'], field: string, message: string): ReassignResult => ({
  ok: false,
  refusal: { status, field, message },
});

/** Checks a reassignment without writing anything. */
export const checkReassignment = async (
  kinds: StepKinds,
  req: HumanRequest | undefined,
  recipientId: string,
): Promise<{ ok: true; recipient: Employee } | { ok: false; refusal: Refusal }> => {
  const no = (status: Refusal['status'], field: string, message: string) =>
    ({ ok: false, refusal: { status, field, message } }) as const;
  if (!req) return no(404, 'requestId', 'no such request');
  const reassign = kindOf(kinds, req.kind).reassign;
  if (!reassign)
    return no(422, 'requestId', `a ${req.kind} request belongs to its owner and cannot be passed on`);
  if (req.status === 'submitted' || req.status === 'expired')
    return no(409, 'requestId', `the request is already ${req.status}`);
  const recipient = (await db().employee.get({ employeeId: recipientId }).go({ consistent: true })).data;
  if (!recipient) return no(422, 'recipientId', `no employee ${recipientId}`);
  if (recipient.status === 'left') return no(422, 'recipientId', `${recipientId} has left the organisation`);
  if (recipientId === req.subjectId)
    return no(422, 'recipientId', `${recipientId} is the person being reviewed`);
  const refused = await reassign.refuse?.(req, recipientId);
  if (refused) return no(422, 'recipientId', refused);
  return { ok: true, recipient };
};

/**
 * Passes a request to `recipientId`. One transaction moves the recipient (conditioned on the request
 * still being as it was read, open or pending, at the assignment read, so two HR admins cannot both
 * win) and records the audit event; the new recipient's email follows, keyed by the assignment.
 * Asking again for the same recipient changes nothing and only makes sure their email went out (a
 * retried call).
 */
export const reassignRequest = async (
  kinds: StepKinds,
  requestId: string,
  recipientId: string,
  actor: string,
  reason: string,
  /** Only move it if it is still with this person (a manager change does not undo HR's own choice). */
  onlyFrom?: string,
): Promise<ReassignResult> => {
  const attempt = (asRead?: Changed) =>
    reassignAsRead(kinds, requestId, recipientId, actor, reason, onlyFrom, asRead);
  // Changed between the read and the write (a pending request opened, inviting the old recipient):
  // read once more, so that what the new recipient is owed follows from what the request is now;
  // but never over another reassignment made meanwhile, which wins.
  const first = await attempt();
  const result = 'changed' in first ? await attempt(first) : first;
  return 'changed' in result ? refuse(409, 'requestId', MOVED_MEANWHILE) : result;
};

const MOVED_MEANWHILE = 'the request was answered, closed or passed on meanwhile';

/** A write refused because the request changed since it was read at `assignment`. */
type Changed = { changed: true; assignment: number | undefined };

const reassignAsRead = async (
  kinds: StepKinds,
  requestId: string,
  recipientId: string,
  actor: string,
  reason: string,
  onlyFrom: string | undefined,
  /** The first attempt's refusal, when this is the read again. */
  asRead?: Changed,
): Promise<ReassignResult | Changed> => {
  const { request, audit } = db();
  const req = (await request.get({ requestId }).go({ consistent: true })).data ?? undefined;
  if (asRead && req?.assignment !== asRead.assignment) return refuse(409, 'requestId', MOVED_MEANWHILE);
  if (req && onlyFrom !== undefined && req.recipientId !== onlyFrom && req.recipientId !== recipientId)
    return refuse(409, 'recipientId', `the request is with ${req.recipientId}, not ${onlyFrom}`);
  const checked = await checkReassignment(kinds, req, recipientId);
  if (!checked.ok) return { ok: false, refusal: checked.refusal };
  const current = req as HumanRequest;
  if (current.recipientId === recipientId && !current.bounced) {
    if (current.status === 'open' && current.assignment && !current.invitedAt) await invite(kinds, current);
    return { ok: true, request: current, unchanged: true };
  }
  const assignment = (current.assignment ?? 0) + 1;
  const at = now().toISOString();
  const reassign = kindOf(kinds, current.kind).reassign;
  const escalations = reassign?.escalations?.(current, checked.recipient) ?? current.escalations;
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
            `${op.eq(a.status, current.status)} AND ${
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
    ...(reassign?.writes?.(current, recipientId) ?? []),
  ];
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    return { changed: true, assignment: current.assignment };
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
    await invite(kinds, updated);
  }
  logger.info('request reassigned', { requestId, kind: current.kind, assignment });
  return { ok: true, request: updated, unchanged: false };
};

/**
 * Emails an open request's recipient now, and marks it invited so its step's next wake-up does not
 * invite them again. An email held back (the send rate or SES said not now, or another attempt is
 * sending it) is left to the request's step, which sends any invitation still due (at the
 * recipient's send hour, for a cycle with one), patiently, and is woken for it: the reassignment is
 * already written, so a caller told to send the same request again would find nothing left to do,
 * and a manager change would stop part-way through its requests. A digest never carries an
 * invitation whose own email was started (./digest-items.ts), so the two never both send it.
 */
const invite = async (kinds: StepKinds, req: HumanRequest): Promise<void> => {
  try {
    await sendRequestEmail(kinds, req, undefined);
  } catch (error) {
    if (!(error instanceof EmailThrottledError || error instanceof EmailInFlightError)) throw error;
    // A review's peers wait as a group, on the group's wait, not their own.
    const waitId = req.groupIds ? groupWaitId(req.groupIds) : requestWait(req.requestId);
    const woken = await wakeWait(waitId, 'invitation held back').catch(() => false);
    // Not woken (no workflow parked, or the wake failed): still due, at the step's next wake-up.
    logger.warn(
      woken
        ? 'reassigned request invitation left to its step'
        : 'reassigned request invitation left to its next wake-up',
      { requestId: req.requestId, error: error.name },
    );
    return;
  }
  await markInvited(req.requestId, now());
};
