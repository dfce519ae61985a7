import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { resumeCycleIfDone, reviewEndWrites } from '../cycles/close';
import { documentClient } from '../platform/clients';
import { now } from '../platform/clock';
import { db, type HumanRequest, ignoreConditionFailure, type Params, type Review } from '../platform/table';
import { TABLE_KEYS } from '../platform/table-keys';
import { calibrationWaitSeconds } from './calibration';
import { reviewResults } from './results';

/*
 * A review finishes where its manager appraisal settles (the gap analysis stored) and ends where its
 * last step settles, which counts it done for its cycle, once.
 */

const reviewOutcome = (requests: Array<HumanRequest | undefined>, managerRequestId: string | undefined) =>
  requests.find((r) => r?.requestId === managerRequestId)?.status === 'submitted'
    ? 'completed'
    : 'incomplete';

/**
 * Finishes one review once its appraisal step is over: completed when the manager's appraisal is
 * in, incomplete when it expired; the gap analysis is stored. The status change is conditional, so
 * it happens once. The review is counted towards the cycle's close only when its workflow ends,
 * after its last step (`endReview`).
 */
export const finishReview = async (
  cycleId: string,
  employeeId: string,
  attempt = 0,
): Promise<{ status: 'completed' | 'incomplete' }> => {
  const { review, request } = db();
  const current = (await review.get({ cycleId, employeeId }).go({ consistent: true })).data;
  if (!current) throw new Error(`Review ${cycleId}/${employeeId} not found`);
  if (isFinished(current)) return { status: current.status as 'completed' | 'incomplete' };
  const manager = current.managerRequestId
    ? ((await request.get({ requestId: current.managerRequestId }).go({ consistent: true })).data ??
      undefined)
    : undefined;
  const status = reviewOutcome([manager], current.managerRequestId);
  try {
    // The gap analysis is computed on what was read; a calibration landing meanwhile fails the
    // condition and the review is read again, so the stored analysis never misses it.
    const results = await reviewResults(cycleId, current);
    const finished = review
      .patch({ cycleId, employeeId })
      .set({ status, finishedAt: now().toISOString(), ...results })
      .where((a, op) =>
        [
          op.eq(a.status, 'in-progress'),
          current.calibratedAt ? op.eq(a.calibratedAt, current.calibratedAt) : op.notExists(a.calibratedAt),
        ].join(' AND '),
      );
    await documentClient.send(new UpdateCommand(leaveInProgressIndex(finished.params())));
  } catch (error) {
    ignoreConditionFailure(error);
    const latest = (await review.get({ cycleId, employeeId }).go({ consistent: true })).data;
    if (latest?.status === 'in-progress' && attempt < 3)
      return finishReview(cycleId, employeeId, attempt + 1);
  }
  return { status };
};

/**
 * A finished review leaves the index of reviews by employee, which is read only for reviews still
 * under way (a manager change moves their appraisal): its later writes (meeting, release,
 * acknowledgment) then no longer rewrite an index copy of the whole review, gap analysis included.
 */
const leaveInProgressIndex = <P extends Params>(params: P): P => ({
  ...params,
  UpdateExpression: `${params.UpdateExpression} REMOVE #gsi1pk, #gsi1sk`,
  ExpressionAttributeNames: {
    ...params.ExpressionAttributeNames,
    '#gsi1pk': TABLE_KEYS.gsi1.partitionKey,
    '#gsi1sk': TABLE_KEYS.gsi1.sortKey,
  },
});

/** A review whose appraisal settled: only a finished review is counted at its end. */
export const isFinished = (review: Pick<Review, 'status'> | undefined | null): boolean =>
  review?.status === 'completed' || review?.status === 'incomplete';

/**
 * The review's workflow reached its end (its last step answered, expired or skipped): counts it done
 * for the cycle, once, and resumes the cycle when it was the last one. Safe to retry.
 */
export const endReview = async (cycleId: string, employeeId: string): Promise<void> => {
  const review = (await db().review.get({ cycleId, employeeId }).go({ consistent: true })).data;
  if (!isFinished(review)) return;
  try {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: reviewEndWrites(cycleId, employeeId, now().toISOString()),
      }),
    );
  } catch (error) {
    // Counted already (a retry, or the acknowledgment's answer did it).
    ignoreConditionFailure(error);
    return;
  }
  await resumeCycleIfDone(cycleId);
};

/**
 * The review's workflow failed (functions/steps/record-failure.ts): it is counted as ended whatever
 * its status, once, so its cycle closes when the others have ended instead of at its close date.
 */
export const endFailedReview = async (cycleId: string, employeeId: string): Promise<void> => {
  try {
    await documentClient.send(
      new TransactWriteCommand({ TransactItems: reviewEndWrites(cycleId, employeeId, now().toISOString()) }),
    );
  } catch (error) {
    ignoreConditionFailure(error);
  }
  await resumeCycleIfDone(cycleId);
};

/**
 * The review is finished where its manager appraisal settles (answered, or closed unanswered),
 * not in a step of its own: whatever completes the appraisal's wait (the answer, or the arm that
 * finds it settled) finishes the review first and hands the workflow how long its calibration wait
 * lasts. Safe to repeat: a finished review stays as it is.
 */
export const finishWithAppraisal = async (
  req: Pick<HumanRequest, 'cycleId' | 'subjectId'>,
): Promise<{ calibrationWaitSeconds?: number }> => {
  if (!req.cycleId) return {};
  await finishReview(req.cycleId, req.subjectId);
  return { calibrationWaitSeconds: await calibrationWaitSeconds(req.cycleId, req.subjectId) };
};
