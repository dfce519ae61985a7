import { type DigestEmailItem, digestEmail, type EmailAttachment, noticeEmail } from '../mail/compose';
import {
  type DeliverDigest,
  onGrid,
  type Progress,
  queueItem,
  recipientWindow,
  withSendRetry,
} from '../mail/digest';
import { sendOnce } from '../mail/send';
import { type DigestItem, db, type HumanRequest } from '../platform/table';
import {
  escalateeId,
  escalationEmailKey,
  escalationInput,
  inviteAttachment,
  type Person,
  person,
  requestEmailInput,
  requestEmailKey,
  sendEscalation,
  sendRequestEmail,
} from './emails';
import { kindOf, type StepKinds } from './kinds';
import { timeline } from './ladder';

/*
 * A request with a send window does not send its emails when a step decides them: it queues them as
 * items of its recipient's digest at their send time (domain/mail/digest.ts), each with the request's
 * own progress in the same transaction, so a retried step finds it queued. At the send time each
 * person gets what is still owed of their items as one email, written from the requests as they are
 * then.
 */

type Window = NonNullable<HumanRequest['sendWindow']>;

const requestPatch = (requestId: string) => db().request.patch({ requestId });

/** The item for the request's invitation (or reminder `reminderIndex`) to its current recipient. */
export const requestItem = (
  req: HumanRequest & { sendWindow: Window },
  reminderIndex: number | undefined,
) => ({
  recipientId: req.recipientId,
  key: requestEmailKey(req, reminderIndex),
  requestId: req.requestId,
  purpose: reminderIndex === undefined ? ('request' as const) : ('reminder' as const),
  index: reminderIndex ?? 0,
  assignment: req.assignment ?? 0,
  // The request's window is already in its recipient's zone (reassignment moves it along).
  window: recipientWindow(req.sendWindow, req.recipientId, req.sendWindow.timeZone),
});

/** Queues the request's invitation (or reminder `reminderIndex`), its progress in the same transaction. */
const queueRequestItem = (
  req: HumanRequest & { sendWindow: Window },
  reminderIndex: number | undefined,
  progress: Progress,
  at: Date,
) => queueItem({ ...requestItem(req, reminderIndex), progress }, at);

export const queueInvitation = (req: HumanRequest & { sendWindow: Window }, at: Date) =>
  queueRequestItem(
    req,
    undefined,
    (sendAt) =>
      requestPatch(req.requestId)
        .set({ inviteAt: sendAt.toISOString(), invitedAt: sendAt.toISOString() })
        .where((a, op) => `${op.eq(a.status, 'open')} AND ${op.notExists(a.invitedAt)}`)
        .params(),
    at,
  );

export const queueReminder = (
  req: HumanRequest & { sendWindow: Window },
  index: number,
  sent: number,
  at: Date,
) =>
  queueRequestItem(
    req,
    index,
    () =>
      requestPatch(req.requestId)
        .set({ remindersSent: sent })
        .where((a, op) => `${op.eq(a.status, 'open')} AND ${op.eq(a.remindersSent, req.remindersSent)}`)
        .params(),
    at,
  );

/**
 * Queues every reminder still ahead of a request that opened with `remindersAtOpen`, each for its
 * send time in the recipient's digest: the item itself is the proof, so a retried opening queues none
 * twice, and the delivery skips them once the request is answered, closed or withdrawn.
 */
export const queueRemindersAhead = async (req: HumanRequest & { sendWindow: Window }, at: Date) => {
  const reminders = timeline(req).reminders;
  for (let index = req.remindersSent; index < reminders.length; index++) {
    // On the send times' grid, as every item queued for that morning is.
    const sendAt = onGrid((reminders[index] as Date).getTime());
    if (sendAt.getTime() > at.getTime()) await queueItem({ ...requestItem(req, index), sendAt }, at);
  }
};

export const queueEscalation = async (
  req: HumanRequest & { sendWindow: Window },
  index: number,
  at: Date,
) => {
  const step = req.escalations[index];
  if (!step) return;
  const escalatee = await person(await escalateeId(req, step));
  await queueItem(
    {
      recipientId: escalatee.id,
      key: escalationEmailKey(req, index),
      requestId: req.requestId,
      purpose: 'escalation',
      index,
      assignment: req.assignment ?? 0,
      window: recipientWindow(req.sendWindow, escalatee.id, escalatee.timeZone),
      progress: () =>
        requestPatch(req.requestId)
          .set({ escalationsSent: index + 1 })
          .where((a, op) => `${op.eq(a.status, 'open')} AND ${op.eq(a.escalationsSent, index)}`)
          .params(),
    },
    at,
  );
};

/**
 * Queues a notice of the request's answer (a check-in's summary) for someone else at their send time
 * (the first one after `after`, when given), once: the request records that it was queued, in the
 * same transaction.
 */
export const queueNotice = (req: HumanRequest & { sendWindow: Window }, to: Person, at: Date, after?: Date) =>
  queueItem(
    {
      after,
      recipientId: to.id,
      key: `${req.requestId}#notice`,
      requestId: req.requestId,
      purpose: 'notice',
      index: 0,
      assignment: 0,
      window: recipientWindow(req.sendWindow, to.id, to.timeZone),
      progress: () =>
        requestPatch(req.requestId)
          .set({ noticedAt: at.toISOString() })
          .where((a, op) => op.notExists(a.noticedAt))
          .params(),
    },
    at,
  );

/** A notice sent on its own: the only item its recipient is owed at that send time. */
const sendNotice = async (kinds: StepKinds, req: HumanRequest, item: DigestItem) => {
  const notice = await kindOf(kinds, req.kind).notice?.(req);
  if (!notice) return;
  const to = await person(item.recipientId);
  await sendOnce({
    key: item.key,
    kind: `${req.kind}.notice`,
    toId: to.id,
    toAddress: to.email,
    requestId: req.requestId,
    email: noticeEmail({ recipientName: to.name, ...notice }),
  });
};

export const windowed = (req: HumanRequest): req is HumanRequest & { sendWindow: Window } =>
  req.sendWindow !== undefined;

/** A name as a file name: `Ola Haugen` → `ola-haugen`. */
const slug = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase() || 'meeting';

/** The request's cycle was cancelled, or its review was (the person left): nothing more is said of it. */
const withdrawn = async (req: HumanRequest): Promise<boolean> => {
  if (!req.cycleId) return false;
  const [c, r] = await Promise.all([
    db().cycle.get({ cycleId: req.cycleId }).go(),
    db().review.get({ cycleId: req.cycleId, employeeId: req.subjectId }).go(),
  ]);
  return c.data?.status === 'cancelled' || r.data?.status === 'cancelled';
};

/**
 * Whether an item is still owed at its send time: nothing about a withdrawn request, ever; a notice
 * always otherwise; nothing else about an answered request; no
 * invitation or reminder once it closed, was re-routed, or its recipient's address bounced; an
 * escalation still if it closed unanswered meanwhile, unless that was HR cancelling the cycle or
 * the person leaving it.
 */
const stillOwed = async (kinds: StepKinds, req: HumanRequest, item: DigestItem): Promise<boolean> => {
  if (await kindOf(kinds, req.kind).withdrawn?.(req)) return false;
  if (item.purpose === 'notice') return true;
  if ((req.assignment ?? 0) !== item.assignment) return false;
  if (item.purpose !== 'escalation')
    return req.status === 'open' && req.recipientId === item.recipientId && !req.bounced;
  if (req.status === 'open') return true;
  return req.status === 'expired' && !(await withdrawn(req));
};

/** Whether a request's own invitation email has an outbox row: sent, or claimed by a sender. */
const ownEmailStarted = async (req: HumanRequest): Promise<boolean> =>
  (
    await db()
      .outbox.get({ key: requestEmailKey(req, undefined) })
      .go({ consistent: true })
  ).data !== null;

/**
 * One recipient's digest: what is still owed of their items, as one email, or as the request's own
 * email when only one is left. Calendar invitations travel along: a manager with four review
 * meetings gets one email with four `.ics` files (and each employee their own invitation, as with a
 * single one).
 */
export const requestDigest =
  (kinds: StepKinds): DeliverDigest =>
  async (recipientId, items, sendAt) => {
    const due: Array<{ item: DigestItem; req: HumanRequest }> = [];
    for (const item of items) {
      const req = (await db().request.get({ requestId: item.requestId }).go({ consistent: true })).data;
      if (req && (await stillOwed(kinds, req, item))) due.push({ item, req });
    }
    // An invitation whose own email was sent, or is being sent, meanwhile (a reassignment sends at
    // once) goes under that email's key, which sends it at most once, never inside a digest too. One
    // item alone goes under that key anyway, so only a digest of several is looked into.
    const owed: typeof due = [];
    for (const entry of due) {
      if (due.length > 1 && entry.item.purpose === 'request' && (await ownEmailStarted(entry.req)))
        await withSendRetry(() => sendRequestEmail(kinds, entry.req, undefined));
      else owed.push(entry);
    }
    const [only] = owed;
    if (owed.length === 1 && only) {
      await withSendRetry(() =>
        only.item.purpose === 'notice'
          ? sendNotice(kinds, only.req, only.item)
          : only.item.purpose === 'escalation'
            ? sendEscalation(only.req, only.item.index)
            : sendRequestEmail(
                kinds,
                only.req,
                only.item.purpose === 'reminder' ? only.item.index : undefined,
              ),
      );
      return;
    }
    if (owed.length < 2) return;
    let to: Person | undefined;
    const lines: DigestEmailItem[] = [];
    const attachments: EmailAttachment[] = [];
    for (const { item, req } of owed) {
      if (item.purpose === 'notice') {
        const notice = await kindOf(kinds, req.kind).notice?.(req);
        if (!notice) continue;
        to = await person(recipientId);
        lines.push({ kind: `${req.kind}.notice`, notice });
        continue;
      }
      if (item.purpose === 'escalation') {
        const found = await escalationInput(req, item.index);
        if (!found) continue;
        to = found.escalatee;
        lines.push({ kind: `${req.kind}.escalation`, escalation: found.input });
        continue;
      }
      const { recipient, input } = await requestEmailInput(kinds, req);
      to = recipient;
      lines.push({
        kind: `${req.kind}.${item.purpose}`,
        request: input,
        reminder: item.purpose === 'reminder',
      });
      const invite =
        item.purpose === 'request' ? await kindOf(kinds, req.kind).calendarInvite?.(req) : undefined;
      if (invite) {
        attachments.push(inviteAttachment(invite.ics, `${invite.fileStem}-${slug(input.subjectName)}`));
        await withSendRetry(() => invite.sendAttendeeCopy());
      }
    }
    if (!to) return;
    const address = to;
    const { email, kinds: itemKinds } = digestEmail(address.name, lines);
    if (attachments.length > 0) email.attachments = attachments;
    await withSendRetry(() =>
      sendOnce({
        key: `digest#${recipientId}#${sendAt}`,
        kind: 'digest',
        toId: recipientId,
        toAddress: address.email,
        requestIds: owed.map(({ req }) => req.requestId),
        items: itemKinds,
        email,
      }),
    );
  };
