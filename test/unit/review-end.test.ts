import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Cycle, db, type Review } from '../../domain/platform/table';
import { handler } from '../../functions/steps/human-step';
import { fakeTable, storedItem, stubTestEnv, transactionCanceledByCondition } from '../support/unit-doubles';

/*
 * The review's last step (its acknowledgment, here skipped: '') ends the review: it is counted for
 * the cycle once, before the workflow is let go, and the cycle is resumed when it was the last one.
 * The human step's Lambda does it when the workflow's arm names the review it ends.
 */

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const cycle: Cycle = {
  cycleId: 'cycle-1',
  name: 'Spring',
  startAt: '2027-03-01T08:00:00.000Z',
  selfDueAt: '2027-03-08T08:00:00.000Z',
  peerDueAt: '2027-03-11T08:00:00.000Z',
  managerDueAt: '2027-03-15T08:00:00.000Z',
  closeAt: '2027-03-22T08:00:00.000Z',
  status: 'running',
  participants: 1,
  openReviews: 0,
  createdAt: '2027-02-20T08:00:00.000Z',
};
const review = (extra: Partial<Review>): Review => ({
  cycleId: 'cycle-1',
  employeeId: 'ola',
  managerId: 'mgr',
  status: 'completed',
  ...extra,
});
const endsReview = { cycleId: 'cycle-1', employeeId: 'ola' };
const armLastStep = (taskToken: string) =>
  handler({ action: 'arm', requestId: '', taskToken, endsReview }, {} as Context);

describe('the end of a review', () => {
  beforeEach(() => {
    stubTestEnv();
    sfn.on(SendTaskSuccessCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
  });
  afterEach(() => {
    ddb.reset();
    sfn.reset();
  });

  it('counts the review for its cycle once, in one transaction with its end marker, then resumes the cycle and the review', async () => {
    // Prepare: the counter reads 0 after this review's end; the cycle is parked on its token.
    ddb
      .on(GetCommand)
      .callsFake(
        fakeTable(
          storedItem(db().review.put(review({}))),
          storedItem(db().cycle.put(cycle)),
          storedItem(db().waitToken.put({ waitId: 'cycle#cycle-1', taskToken: 'cycle-token' })),
        ).get,
      );

    // Act
    await armLastStep('review-token');

    // Assess
    const [end] = ddb.commandCalls(TransactWriteCommand);
    const [marker, counter] = end?.args[0].input.TransactItems ?? [];
    expect(marker?.Put?.ConditionExpression).toContain('attribute_not_exists');
    expect(marker?.Put?.Item).toMatchObject({ cycleId: 'cycle-1', employeeId: 'ola' });
    expect(counter?.Update?.ExpressionAttributeValues).toMatchObject({ ':openReviews_u0': -1 });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'cycle-token' });
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'review-token' });
  });

  it('counts nothing again when the step is retried after its end was counted, and still lets the review go', async () => {
    ddb.on(GetCommand).callsFake(fakeTable(storedItem(db().review.put(review({})))).get);
    ddb.on(TransactWriteCommand).rejects(transactionCanceledByCondition());

    await armLastStep('review-token');

    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'review-token' });
  });

  it('does not count a review whose appraisal never finished it, and still lets the review go', async () => {
    ddb
      .on(GetCommand)
      .callsFake(fakeTable(storedItem(db().review.put(review({ status: 'in-progress' })))).get);

    await armLastStep('review-token');

    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });
});
