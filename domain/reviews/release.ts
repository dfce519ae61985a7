import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Gate } from '../human-steps/kinds';
import { unreleasedEmail } from '../mail/compose';
import { sendOnce } from '../mail/send';
import type { Access } from '../people/access';
import { employeeById } from '../people/org';
import { localDeadline, nextSendSlot } from '../platform/calendar';
import { documentClient } from '../platform/clients';
import { addDays, now } from '../platform/clock';
import { config } from '../platform/config';
import { stableId } from '../platform/ids';
import {
  db,
  type HumanRequest,
  ignoreConditionFailure,
  isConditionFailure,
  type Review,
} from '../platform/table';
import { requestWait, wakeWait } from '../platform/wait-tokens';
import { closeAfter, MIN_DAYS_TO_ANSWER } from './ladders';

/*
 * Releasing a review's results to the employee, and the acknowledgment that waits for it: HR or the
 * direct manager releases (one review, or HR for a whole cycle, audited); the acknowledgment opens
 * then, and HR hears once when its due date comes without a release.
 */

export type Viewer = 'hr' | 'employee';

/** The results the employee may see only once released: ratings, the manager's texts, the gap analysis. */
export const resultsVisible = (review: Pick<Review, 'releasedAt'>, view: Viewer): boolean =>
  view === 'hr' || review.releasedAt !== undefined;

/** Who may release one review's results: HR, or the employee's direct manager. */
export const mayRelease = (access: Access): boolean => access === 'hr' || access === 'direct-manager';

/**
 * Where a gated request stands while still pending. The review meeting opens once the appraisal is
 * in. The acknowledgment opens once the results are released; until then it waits until its due
 * date, when HR is told (once), and then until its close date. Either expires unopened when the
 * review ended without an appraisal.
 */
export const releaseGate = async (req: HumanRequest, at: Date): Promise<Gate> => {
  if (!req.cycleId) return { open: true };
  const r = (
    await db().review.get({ cycleId: req.cycleId, employeeId: req.subjectId }).go({ consistent: true })
  ).data;
  if (req.gate === 'appraisal' || r?.releasedAt) {
    // A review without an appraisal has nothing to meet about or release: its later steps never open.
    return r?.status === 'completed' ? { open: true } : { open: false, expire: true, wakeAt: req.closeAt };
  }
  if (r?.status !== 'in-progress' && r?.status !== 'completed')
    return { open: false, expire: true, wakeAt: req.closeAt };
  if (Date.parse(req.closeAt) <= at.getTime()) return { open: false, expire: true, wakeAt: req.closeAt };
  if (Date.parse(req.dueAt) > at.getTime()) return { open: false, expire: false, wakeAt: req.dueAt };
  const [c, person] = await Promise.all([
    db().cycle.get({ cycleId: req.cycleId }).go(),
    employeeById(req.subjectId),
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
  return { open: false, expire: false, wakeAt: req.closeAt };
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
      .catch(ignoreConditionFailure);
  }
  await wakeIfParked(r.acknowledgmentRequestId);
  return 'released';
};

/** The acknowledgment step waiting, unopened, for the release wakes now and opens. */
const wakeIfParked = async (requestId: string) => {
  const parked = (await db().request.get({ requestId }).go({ consistent: true })).data;
  if (parked?.status === 'pending') await wakeWait(requestWait(requestId), 'results released');
};

/** Reviews released side by side; each is its own conditional transaction. */
const RELEASE_CONCURRENCY = 10;

/** How long one call may spend releasing: well inside API Gateway's 30-second limit. */
export const RELEASE_BUDGET_MS = 20_000;

export type CycleRelease = { released: number; alreadyReleased: number; notReady: number; next?: string };

/**
 * Releases the results of a cycle's completed reviews, a page of 100 at a time, for as long as the
 * time budget allows. When reviews are left, `next` is the cursor to call again with; releasing is
 * idempotent per review, so a call repeated or resumed from an older cursor releases nothing twice.
 * `afterRelease` runs for each review released, now or before (what follows a release, such as a
 * development plan drafted from it, is the caller's to say); it must be safe to repeat, and its time
 * counts against the budget.
 */
export const releaseCycle = async (
  cycleId: string,
  actor: string,
  from: { cursor?: string | undefined; budgetMs?: number } = {},
  afterRelease: (employeeId: string) => Promise<unknown> = async () => undefined,
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
        if (outcome === 'released' || outcome === 'already-released') await afterRelease(r.employeeId);
      }
    };
    await Promise.all(Array.from({ length: RELEASE_CONCURRENCY }, worker));
    cursor = page.cursor;
  } while (cursor && Date.now() < stopAt);
  return cursor ? { ...counts, next: cursor } : counts;
};

/**
 * A release cursor is the key of the last review a call reached (ElectroDB's base64url JSON); one
 * from another cycle or made up would make DynamoDB fail, so the caller refuses it as bad input.
 */
export const isReleaseCursor = (cursor: string, cycleId: string): boolean => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      pk?: unknown;
      sk?: unknown;
    };
    const { Key } = db().review.get({ cycleId, employeeId: '-' }).params<{ Key: { pk: string } }>();
    return key.pk === Key.pk && typeof key.sk === 'string';
  } catch {
    return false;
  }
};
