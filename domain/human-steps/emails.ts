import {
  type EmailAttachment,
  type EscalationEmailInput,
  escalationEmail,
  type RequestEmailInput,
  requestEmail,
} from '../mail/compose';
import { signedUrl } from '../mail/links';
import { sendOnce } from '../mail/send';
import { config } from '../platform/config';
import { db, type HumanRequest } from '../platform/table';
import { kindOf, type StepKinds } from './kinds';

/*
 * What a request's emails say and who they go to: the invitation, reminders and escalations, sent
 * alone (a request without a send window) or composed into a digest (./digest-items.ts). Each has
 * an idempotency key of its own, so it is sent once however often a step is retried.
 */

export type Person = { id: string; name: string; email: string; timeZone: string };

export const person = async (id: string): Promise<Person> => {
  if (id === 'hr') return { id, name: 'HR team', email: config.hrAddress, timeZone: 'UTC' };
  const found = (await db().employee.get({ employeeId: id }).go()).data;
  if (!found) throw new Error(`Employee ${id} not found`);
  return { id, name: found.name, email: found.email, timeZone: found.timeZone };
};

/**
 * Who a request goes to: an employee, HR, or a reviewer from outside the organisation, whose name and
 * address were nominated onto the request itself (they have no employee record and need no account).
 */
const recipientOf = (req: HumanRequest): Promise<Person> =>
  req.external
    ? Promise.resolve({
        id: req.recipientId,
        name: req.external.name,
        email: req.external.email,
        timeZone: req.sendWindow?.timeZone ?? 'UTC',
      })
    : person(req.recipientId);

/** Emails of a reassigned request are keyed per assignment, so the new recipient is asked once too. */
const assignmentKey = (req: HumanRequest): string => (req.assignment ? `#a${req.assignment}` : '');

/** The idempotency key of a request's first email or reminder `reminderIndex`, sent alone. */
export const requestEmailKey = (req: HumanRequest, reminderIndex: number | undefined): string =>
  (reminderIndex === undefined ? `${req.requestId}#request` : `${req.requestId}#reminder#${reminderIndex}`) +
  assignmentKey(req);

/**
 * Who escalation step `step` of a request goes to: the person named when the request was made, or,
 * for a step that names a role, whoever holds it in the subject's reporting line now.
 */
export const escalateeId = async (
  req: HumanRequest,
  step: HumanRequest['escalations'][number],
): Promise<string> => {
  if (!step.resolve) return step.toId;
  if (step.resolve === 'owner') return req.subjectId;
  const subject = (await db().employee.get({ employeeId: req.subjectId }).go()).data;
  const managerId = subject?.managerId;
  if (step.resolve === 'manager' || !managerId) return managerId ?? 'hr';
  return (await db().employee.get({ employeeId: managerId }).go()).data?.managerId ?? 'hr';
};

/**
 * The days a link to this request may live at most: its cycle template's or plan policy's
 * `linkMaxDays`; undefined (the global maximum) for a request of neither.
 */
export const linkMaxDaysOf = async (
  req: Pick<HumanRequest, 'cycleId' | 'planId'>,
): Promise<number | undefined> => {
  const policy = req.cycleId
    ? (await db().cycle.get({ cycleId: req.cycleId }).go()).data?.policy
    : req.planId
      ? (await db().plan.get({ planId: req.planId }).go()).data?.policy
      : undefined;
  const days = (policy as { linkMaxDays?: unknown } | undefined)?.linkMaxDays;
  return typeof days === 'number' ? days : undefined;
};

/** What the request's email says to its current recipient, and who that is. */
export const requestEmailInput = async (
  kinds: StepKinds,
  req: HumanRequest,
): Promise<{ recipient: Person; input: RequestEmailInput }> => {
  const recipient = await recipientOf(req);
  const subject = req.subjectId === req.recipientId ? recipient : await person(req.subjectId);
  const cycleName = req.cycleId
    ? (await db().cycle.get({ cycleId: req.cycleId }).go()).data?.name
    : undefined;
  const url = await signedUrl(
    { requestId: req.requestId, nonce: req.linkNonce, assignment: req.assignment },
    new Date(req.closeAt),
    await linkMaxDaysOf(req),
  );
  const extras = (await kindOf(kinds, req.kind).email?.(req)) ?? {};
  return {
    recipient,
    input: {
      kind: req.kind,
      recipientName: recipient.name,
      subjectName: subject.name,
      cycleName,
      title: req.title,
      dueAt: req.dueAt,
      timeZone: recipient.timeZone,
      url,
      note: req.note,
      meetingAt: req.meetingAt,
      details: extras.details,
      // The answer chosen in the link only preselects the form: it is no secret, so it is not signed.
      choices: extras.choices?.map((c) => ({
        label: c.label,
        url: `${url}&choice=${encodeURIComponent(c.choice)}`,
      })),
    },
  };
};

/** The attachment of a calendar invitation (./kinds.ts) under the given file name. */
export const inviteAttachment = (ics: string, fileName: string): EmailAttachment => ({
  fileName: `${fileName}.ics`,
  contentType: 'text/calendar; method=REQUEST',
  content: ics,
});

/** The request (or reminder) email to the current recipient, once per key. */
export const sendRequestEmail = async (
  kinds: StepKinds,
  req: HumanRequest,
  reminderIndex: number | undefined,
) => {
  const { recipient, input } = await requestEmailInput(kinds, req);
  const email = requestEmail(input, reminderIndex !== undefined);
  // A first email may carry a calendar invitation (the review meeting), and the other party gets theirs.
  const invite =
    reminderIndex === undefined ? await kindOf(kinds, req.kind).calendarInvite?.(req) : undefined;
  if (invite) {
    email.attachments = [inviteAttachment(invite.ics, invite.fileStem)];
    await invite.sendAttendeeCopy();
  }
  await sendOnce({
    key: requestEmailKey(req, reminderIndex),
    kind: `${req.kind}.${reminderIndex === undefined ? 'request' : 'reminder'}`,
    toId: recipient.id,
    toAddress: recipient.email,
    requestId: req.requestId,
    email,
  });
};

/** The idempotency key of a request's escalation `index`, sent alone. */
export const escalationEmailKey = (req: HumanRequest, index: number): string =>
  `${req.requestId}#escalation#${index}`;

/** What escalation `index` of a request says, and to whom. */
export const escalationInput = async (
  req: HumanRequest,
  index: number,
): Promise<{ escalatee: Person; input: EscalationEmailInput } | undefined> => {
  const step = req.escalations[index];
  if (!step) return undefined;
  const [escalatee, owner] = await Promise.all([escalateeId(req, step).then(person), recipientOf(req)]);
  const subject = req.subjectId === req.recipientId ? owner : await person(req.subjectId);
  return {
    escalatee,
    input: {
      kind: req.kind,
      escalateeName: escalatee.name,
      role: step.role,
      ownerName: owner.name,
      subjectName: subject.name,
      title: req.title,
      dueAt: req.dueAt,
      timeZone: escalatee.timeZone,
    },
  };
};

export const sendEscalation = async (req: HumanRequest, index: number) => {
  const found = await escalationInput(req, index);
  if (!found) return;
  await sendOnce({
    key: escalationEmailKey(req, index),
    kind: `${req.kind}.escalation`,
    toId: found.escalatee.id,
    toAddress: found.escalatee.email,
    requestId: req.requestId,
    email: escalationEmail(found.input),
  });
};
