import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './clients';
import { now } from './clock';
import { ANONYMITY_THRESHOLD, countsAtEnd, resumeCycleIfDone, reviewEndWrites } from './cycles';
import { db, type HumanRequest } from './db';
import { isConditionFailure } from './errors';
import { resumeGroupIfSettled } from './human-group';
import { isExternalId, newId } from './ids';
import { logger } from './logger';
import { finishWithAppraisal, goalDecisionOf } from './phases';
import { resumeTask, wakeTask } from './sfn';
import { requestWait, tokenOf } from './wait-tokens';

/** A form's answer: flat fields (today's forms) or, in a template-driven cycle, ratings by item and goal too. */
export type Answers = Record<string, unknown>;

export type SubmitResult = 'submitted' | 'already-submitted' | 'closed';

/* ElectroDB builds each write's parameters; they are sent together so an answer is stored whole or not at all. */
// biome-ignore lint/suspicious/noExplicitAny: ElectroDB's params() is typed loosely; the shapes are DynamoDB's own.
export type Params = Record<string, any>;

/**
 * Answers written whole where their readers look for them (the review, a peer's feedback row) are
 * not copied onto the request too: the request is indexed and rewritten in the same transaction,
 * so the copy cost its size twice over and nothing read it.
 */
const storedElsewhere = (req: HumanRequest): boolean =>
  req.cycleId !== undefined &&
  (req.kind === 'self-assessment' ||
    req.kind === 'manager-appraisal' ||
    req.kind === 'peer-feedback' ||
    req.kind === 'acknowledgment');

/**
 * Stores an answer and resumes the waiting workflow. One transaction moves the request from open to
 * submitted, writes the answer where its readers look for it, and appends the audit event; the
 * condition makes a second submission (or one after the deadline closed the request) change nothing.
 */
export const submitAnswer = async (
  req: HumanRequest,
  answers: Answers,
  /** Writes that belong to this answer (a phase form's goals, acknowledgment), in the same transaction. */
  extra: Params[] = [],
): Promise<SubmitResult> => {
  const { request, review, feedback, audit } = db();
  const at = now().toISOString();
  const items: Params[] = [
    {
      Update: request
        .patch({ requestId: req.requestId })
        .set({ status: 'submitted', submittedAt: at, ...(storedElsewhere(req) ? {} : { response: answers }) })
        // Still open, and still with the reviewer this answer comes from: an answer posted from an
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
  ];
  if (req.cycleId && req.kind === 'self-assessment') {
    items.push({
      Update: review
        .patch({ cycleId: req.cycleId, employeeId: req.subjectId })
        .set({ selfAssessment: answers })
        .params(),
    });
  }
  if (req.cycleId && req.kind === 'manager-appraisal') {
    items.push({
      Update: review
        .patch({ cycleId: req.cycleId, employeeId: req.subjectId })
        .set({
          managerAppraisal: answers,
          // The overall rating the template's formula gave (or the single rating of today's form).
          ...(typeof answers.rating === 'number' ? { overallRating: answers.rating } : {}),
        })
        .params(),
    });
  }
  if (req.cycleId && req.kind === 'peer-feedback') {
    items.push({
      Put: feedback
        .create({
          cycleId: req.cycleId,
          employeeId: req.subjectId,
          requestId: req.requestId,
          fromId: req.recipientId,
          relationship: 'peer',
          answers,
          submittedAt: at,
        })
        .params(),
    });
  }
  items.push(...extra);
  // The acknowledgment is the review's last step: its answer ends the review, counted for the cycle
  // in the same transaction (the workflow, resumed below, ends without another step).
  const ends =
    req.cycleId !== undefined &&
    req.kind === 'acknowledgment' &&
    countsAtEnd(
      (await review.get({ cycleId: req.cycleId, employeeId: req.subjectId }).go({ consistent: true })).data,
    );
  if (ends && req.cycleId) items.push(...reviewEndWrites(req.cycleId, req.subjectId, at));
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
    const token = await tokenOf(requestWait(req.requestId), latest?.taskToken);
    let finished: Awaited<ReturnType<typeof finishWithAppraisal>>;
    try {
      finished = await finishWithAppraisal(req);
    } catch {
      // The answer is stored; the workflow finishes the review instead: woken, its wait re-arms,
      // finds the appraisal answered and finishes it there, with its step's retries.
      logger.warn('finishing the review failed; the workflow finishes it', { requestId: req.requestId });
      await wakeTask(token, 'finish the review in the workflow');
      return 'submitted';
    }
    await resumeTask(token, {
      requestId: req.requestId,
      outcome: 'submitted',
      ...goalDecisionOf(req.kind, answers),
      ...finished,
    });
  }
  if (ends && req.cycleId) await resumeCycleIfDone(req.cycleId);
  return 'submitted';
};

export type PeerView =
  | {
      visibility: 'attributed';
      /** `fromName` only for a reviewer from outside the organisation, who has no employee record. */
      answers: Array<{ fromId: string; fromName?: string; answers: Answers; submittedAt: string }>;
    }
  | { visibility: 'aggregated'; responses: number; averageRating: number | null; comments: string[] }
  | { visibility: 'withheld'; responses: number; threshold: number };

/**
 * Peer feedback as a viewer may see it: HR sees who said what; the employee sees answers only
 * combined, and only once at least the anonymity threshold of peers answered.
 */
export const peerFeedbackView = async (
  cycleId: string,
  employeeId: string,
  viewer: 'hr' | 'employee',
  threshold = ANONYMITY_THRESHOLD,
): Promise<PeerView> => {
  const { data } = await db().feedback.query.byReview({ cycleId, employeeId }).go({ pages: 'all' });
  if (viewer === 'hr') {
    const externalName = async (requestId: string) =>
      (await db().request.get({ requestId }).go()).data?.external?.name;
    return {
      visibility: 'attributed',
      answers: await Promise.all(
        data.map(async (f) => {
          const fromName = isExternalId(f.fromId) ? await externalName(f.requestId) : undefined;
          return {
            fromId: f.fromId,
            ...(fromName ? { fromName } : {}),
            answers: f.answers as Answers,
            submittedAt: f.submittedAt,
          };
        }),
      ),
    };
  }
  if (data.length < threshold) return { visibility: 'withheld', responses: data.length, threshold };
  const ratings = data.map((f) => Number((f.answers as Answers).rating)).filter((n) => Number.isFinite(n));
  const comments = data
    .flatMap((f) => [(f.answers as Answers).strengths, (f.answers as Answers).growth])
    .filter((c): c is string => typeof c === 'string' && c.length > 0)
    .sort();
  return {
    visibility: 'aggregated',
    responses: data.length,
    averageRating: ratings.length
      ? Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 10) / 10
      : null,
    comments,
  };
};
