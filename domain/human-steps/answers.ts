import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { newId } from '../platform/ids';
import { logger } from '../platform/logger';
import { countMetric } from '../platform/metrics';
import {
  db,
  type HumanRequest,
  isConditionFailure,
  isTransactionConflict,
  type Params,
} from '../platform/table';
import { requestWait, resumeWait, wakeWait } from '../platform/wait-tokens';
import { resumeGroupIfSettled } from './group';
import { kindOf, type StepKind, type StepKinds } from './kinds';

/*
 * Storing a person's answer to a request and letting the waiting workflow go on. What a kind adds
 * (where its answer is kept, what the workflow is told) comes from the kinds table (./kinds.ts).
 */

/** A form's answer: flat fields (the fixed forms) or, in a template-driven cycle, ratings by item and goal too. */
export type Answer = Record<string, unknown>;

/**
 * `busy`: the answer met another change to the same items twice and was not stored; the person is
 * asked to send it again.
 */
export type AnswerOutcome = 'submitted' | 'already-submitted' | 'closed' | 'busy';

/** The pause before the one retry of a conflicting answer: long enough for the other to commit, jittered. */
const CONFLICT_PAUSE_MS = 50;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The name of what went wrong, never its message, which may quote personal data. */
const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

/**
 * Stores an answer and resumes the waiting workflow. One transaction moves the request from open to
 * submitted, writes the answer where its readers look for it, and appends the audit event; the
 * condition makes a second answer (or one after the deadline closed the request) change nothing.
 */
export const submitAnswer = async (
  kinds: StepKinds,
  req: HumanRequest,
  answer: Answer,
  /** Writes that belong to this answer (a phase form's goals, acknowledgment), in the same transaction. */
  extra: Params[] = [],
): Promise<AnswerOutcome> => {
  const { request, audit } = db();
  const kind = kindOf(kinds, req.kind);
  const at = now().toISOString();
  const storage = (await kind.answer?.(req, answer, at)) ?? { writes: [], storedElsewhere: false };
  const items: Params[] = [
    {
      Update: request
        .patch({ requestId: req.requestId })
        .set({ status: 'submitted', submittedAt: at, ...(storage.storedElsewhere ? {} : { answer }) })
        // Still open, and still with the reviewer this answer comes from: an answer sent from an
        // old link as HR passes the request on is refused, not stored under the wrong name.
        .where(
          (a, op) =>
            `${op.eq(a.status, 'open')} AND ${
              req.assignment ? op.eq(a.assignment, req.assignment) : op.notExists(a.assignment)
            }`,
        )
        .params(),
    },
    {
      Put: audit
        .create({
          entityKey: `request#${req.requestId}`,
          at,
          eventId: newId(),
          actor: req.recipientId,
          action: `${req.kind}.submitted`,
        })
        .params(),
    },
    ...storage.writes,
    ...extra,
  ];
  /*
   * A TransactionConflict means another transaction was writing one of these items at that moment and
   * nothing of this one was written. Most often it is the same form sent twice (a double click, two
   * tabs): then the request, read again, is settled and this answer is "already submitted" like any
   * second answer. But the conflict may be on another item (the cycle's counter as several reviews
   * end at once) with the request still open: then this answer was lost to nobody, and one retry,
   * whose conditions are checked afresh, stores it. Only once: a second conflict says the items are
   * busy, and holding the person's request longer would not help; they are asked to send it again.
   */
  const settledNow = async (): Promise<AnswerOutcome | undefined> => {
    const latest = (await request.get({ requestId: req.requestId }).go({ consistent: true })).data;
    if (latest?.status === 'open') return undefined;
    return latest?.status === 'submitted' ? 'already-submitted' : 'closed';
  };
  for (let attempt = 1; ; attempt++) {
    try {
      await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
      countMetric('Answers');
      break;
    } catch (error) {
      if (isConditionFailure(error)) return (await settledNow()) ?? 'closed';
      if (!isTransactionConflict(error)) throw error;
      const settled = await settledNow();
      if (settled) return settled;
      logger.warn('answer met a concurrent transaction', { requestId: req.requestId, attempt });
      if (attempt === 2) return 'busy';
      await pause(CONFLICT_PAUSE_MS * (1 + Math.random()));
    }
  }
  /*
   * The answer is stored: from here on nothing may turn it into an error page, which would tell the
   * person it was lost and have them send it again into a 409. Resuming the workflow can fail (Step
   * Functions throttling or erring); the wait then ends at its next wake-up, which finds the request
   * submitted and lets the workflow go on (./step.ts wakeRequest, then armRequest).
   */
  try {
    await resumeWaiting(kind, req, answer);
  } catch (error) {
    logger.error('resuming the workflow failed; its next wake-up resumes it', {
      requestId: req.requestId,
      kind: req.kind,
      error: errorName(error),
    });
  }
  try {
    await storage.after?.();
  } catch (error) {
    logger.error('work after an answer failed', {
      requestId: req.requestId,
      kind: req.kind,
      error: errorName(error),
    });
  }
  return 'submitted';
};

/** Lets the workflow waiting on an answered request go on, with what its kind tells it. */
const resumeWaiting = async (kind: StepKind, req: HumanRequest, answer: Answer): Promise<void> => {
  const latest = (await db().request.get({ requestId: req.requestId }).go({ consistent: true })).data;
  // A member of a group (a review's peers) completes the wait only as the last of them to settle.
  if (latest?.groupIds) {
    await resumeGroupIfSettled(latest);
    return;
  }
  // The resume function reads the token after the answer is stored: a wait parking meanwhile
  // stored its token first.
  const waitId = requestWait(req.requestId);
  let told: Record<string, unknown>;
  try {
    told = (await kind.settled?.(req, answer)) ?? {};
  } catch {
    // The workflow settles it instead: woken, its wait re-arms, finds the request answered and
    // settles it there, with its step's retries.
    logger.warn('settling the answer failed; the workflow settles it', { requestId: req.requestId });
    await wakeWait(waitId, 'settle the answer in the workflow');
    return;
  }
  await resumeWait(waitId, { requestId: req.requestId, outcome: 'submitted', ...told });
};
