import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { resumeTask, wakeTask } from '../platform/executions';
import { newId } from '../platform/ids';
import { logger } from '../platform/logger';
import { db, type HumanRequest, isConditionFailure, type Params } from '../platform/table';
import { requestWait, tokenOf } from '../platform/wait-tokens';
import { resumeGroupIfSettled } from './group';
import { kindOf, type StepKinds } from './kinds';

/*
 * Storing a person's answer to a request and letting the waiting workflow go on. What a kind adds
 * (where its answer is kept, what the workflow is told) comes from the kinds table (./kinds.ts).
 */

/** A form's answer: flat fields (the fixed forms) or, in a template-driven cycle, ratings by item and goal too. */
export type Answer = Record<string, unknown>;

export type AnswerOutcome = 'submitted' | 'already-submitted' | 'closed';

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
  try {
    await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const latest = (await request.get({ requestId: req.requestId }).go({ consistent: true })).data;
    return latest?.status === 'submitted' ? 'already-submitted' : 'closed';
  }
  const latest = (await request.get({ requestId: req.requestId }).go({ consistent: true })).data;
  // A member of a group (a review's peers) completes the wait only as the last of them to settle.
  if (latest?.groupIds) await resumeGroupIfSettled(latest);
  else {
    // The token is read after the answer is stored: a wait parking meanwhile stored its token first.
    const token = await tokenOf(requestWait(req.requestId));
    let told: Record<string, unknown>;
    try {
      told = (await kind.settled?.(req, answer)) ?? {};
    } catch {
      // The answer is stored; the workflow settles it instead: woken, its wait re-arms, finds the
      // request answered and settles it there, with its step's retries.
      logger.warn('settling the answer failed; the workflow settles it', { requestId: req.requestId });
      await wakeTask(token, 'settle the answer in the workflow');
      return 'submitted';
    }
    await resumeTask(token, { requestId: req.requestId, outcome: 'submitted', ...told });
  }
  await storage.after?.();
  return 'submitted';
};
