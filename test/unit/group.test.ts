import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { submitAnswer } from '../../domain/human-steps/answers';
import { armGroup, groupState, groupWaitId } from '../../domain/human-steps/group';
import { db, type HumanRequest } from '../../domain/platform/table';
import { reviewStepKinds } from '../../domain/reviews/step-kinds';
import { conditionalCheckFailed, fakeTable, storedItem, stubTestEnv } from '../support/unit-doubles';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

const TOKEN = 'token-loop-2';

/** One of Ada's three peer requests, all due the same day. */
const peer = (id: string, over: Partial<HumanRequest> = {}): HumanRequest => ({
  requestId: `req-peer-${id}`,
  kind: 'peer-feedback',
  recipientId: `emp-${id}`,
  subjectId: 'emp-ada',
  cycleId: 'cycle-1',
  dueAt: '2025-03-14T17:00:00.000Z',
  closeAt: '2025-03-15T17:00:00.000Z',
  reminderHoursBefore: [48],
  escalations: [],
  status: 'open',
  remindersSent: 0,
  escalationsSent: 0,
  createdAt: '2025-03-04T08:00:00.000Z',
  ...over,
});
const IDS = ['req-peer-bo', 'req-peer-cy', 'req-peer-di'];

const tableOf = (...requests: HumanRequest[]) =>
  fakeTable(...requests.map((r) => storedItem(db().request.put(r))));

const requestIdOf = (input: UpdateCommandInput) => String(input.Key?.pk).split('requestid_')[1];

beforeEach(() => {
  stubTestEnv();
  sfn.on(SendTaskSuccessCommand).resolves({});
});

afterEach(() => {
  ddb.reset();
  sfn.reset();
});

describe('groupState', () => {
  it('keeps the group waiting while any member waits, waking at the earliest member wake-up', () => {
    // Act
    const state = groupState(IDS, [
      { outcome: 'submitted', wakeInSeconds: 1 },
      { outcome: 'waiting', wakeInSeconds: 7200 },
      { outcome: 'waiting', wakeInSeconds: 3600 },
    ]);

    // Assess
    expect(state).toEqual({ requestIds: IDS, outcome: 'waiting', wakeInSeconds: 3600 });
  });

  it('settles the group once every member is answered or expired, as submitted if anyone answered', () => {
    // Act
    const someAnswered = groupState(IDS, [
      { outcome: 'expired', wakeInSeconds: 1 },
      { outcome: 'submitted', wakeInSeconds: 1 },
      { outcome: 'expired', wakeInSeconds: 1 },
    ]);
    const noneAnswered = groupState(IDS.slice(0, 1), [{ outcome: 'expired', wakeInSeconds: 1 }]);

    // Assess
    expect(someAnswered).toEqual({ requestIds: IDS, outcome: 'submitted', wakeInSeconds: 1 });
    expect(noneAnswered.outcome).toBe('expired');
  });

  it('settles a group without members at once, so a review with no peers does not hang', () => {
    expect(groupState([], [])).toEqual({ requestIds: [], outcome: 'expired', wakeInSeconds: 1 });
  });
});

describe('armGroup', () => {
  it('tells each waiting member its group once, stores the one token beside the group, and keeps waiting', async () => {
    // Prepare: Cy already knows the group from an earlier loop; Di answered.
    ddb
      .on(GetCommand)
      .callsFake(tableOf(peer('bo'), peer('cy', { groupIds: IDS }), peer('di', { status: 'submitted' })).get);
    ddb.on(UpdateCommand).resolves({});
    ddb.on(PutCommand).resolves({});

    // Act
    await armGroup(IDS, TOKEN);

    // Assess: only Bo's request is rewritten, with the member list and no token.
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates.map(requestIdOf)).toEqual(['req-peer-bo']);
    expect(Object.values(updates[0]?.ExpressionAttributeValues ?? {})).toEqual(expect.arrayContaining([IDS]));
    expect(Object.values(updates[0]?.ExpressionAttributeValues ?? {})).not.toContain(TOKEN);
    expect(updates[0]?.ConditionExpression).toMatch(/#status = :status\w* OR #status = :status\w*/);
    const tokens = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(tokens).toEqual([expect.objectContaining({ waitId: groupWaitId(IDS), taskToken: TOKEN })]);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('completes the wait at once when every member settled before the arm (the last answer came between two loops)', async () => {
    // Prepare
    ddb
      .on(GetCommand)
      .callsFake(
        tableOf(
          peer('bo', { status: 'submitted' }),
          peer('cy', { status: 'expired' }),
          peer('di', { status: 'submitted' }),
        ).get,
      );
    ddb.on(UpdateCommand).callsFake(() => {
      throw conditionalCheckFailed();
    });

    // Act
    await armGroup(IDS, TOKEN);

    // Assess
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify({ requestIds: IDS, outcome: 'submitted', wakeInSeconds: 1 }),
    });
  });

  it('sees an answer that lands between its token write and its read, so the last answer is never lost', async () => {
    // Prepare: Di, the last one open, answers right after the arm stored the token on her request;
    // the arm reads after its write, so it sees her answer even if hers read before its write.
    const table = tableOf(peer('bo', { status: 'submitted' }), peer('cy', { status: 'expired' }), peer('di'));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      if (requestIdOf(input) === 'req-peer-di') {
        table.put(storedItem(db().request.put(peer('di', { status: 'submitted' }))));
        return {};
      }
      throw conditionalCheckFailed();
    });

    // Act
    await armGroup(IDS, TOKEN);

    // Assess
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: TOKEN });
  });

  it('takes a token already used by the last answer in its stride (the second SendTaskSuccess is ignored)', async () => {
    // Prepare
    ddb.on(GetCommand).callsFake(tableOf(peer('bo', { status: 'submitted' })).get);
    ddb.on(UpdateCommand).callsFake(() => {
      throw conditionalCheckFailed();
    });
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    // Act / Assess
    await expect(armGroup(['req-peer-bo'], TOKEN)).resolves.toBeUndefined();
  });

  it('completes the wait of a group without members at once', async () => {
    // Act
    await armGroup([], TOKEN);

    // Assess
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify({ requestIds: [], outcome: 'expired', wakeInSeconds: 1 }),
    });
  });
});

describe('an answer to a member of a group', () => {
  /** The table as it stands, with the answer's transaction moving `answering` to submitted. */
  const answering = (member: HumanRequest, ...siblings: HumanRequest[]) => {
    const table = tableOf(member, ...siblings);
    // The token the arm stored for the wait: the group's, or the request's own.
    const waitId = member.groupIds ? groupWaitId(member.groupIds) : `request#${member.requestId}`;
    table.put(storedItem(db().waitToken.put({ waitId, taskToken: TOKEN })));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).callsFake(() => {
      table.put(storedItem(db().request.put({ ...member, status: 'submitted' })));
      return {};
    });
  };
  const armed = { groupIds: IDS };

  it('leaves the workflow waiting while another peer has not answered', async () => {
    // Prepare
    answering(peer('bo', armed), peer('cy', { ...armed, status: 'submitted' }), peer('di', armed));

    // Act
    const result = await submitAnswer(reviewStepKinds, peer('bo', armed), { rating: 4 });

    // Assess
    expect(result).toBe('submitted');
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('completes the wait when it settles the last member, with the token the arm stored', async () => {
    // Prepare: Cy answered, Di's request expired unanswered; Bo is the last.
    answering(
      peer('bo', armed),
      peer('cy', { ...armed, status: 'submitted' }),
      peer('di', { ...armed, status: 'expired' }),
    );

    // Act
    await submitAnswer(reviewStepKinds, peer('bo', armed), { rating: 4 });

    // Assess
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify({ requestIds: IDS, outcome: 'submitted', wakeInSeconds: 1 }),
    });
  });

  it('completes a request waited for alone at once', async () => {
    // Prepare
    const self = peer('ada', { kind: 'self-assessment', requestId: 'req-self-ada' });
    answering(self);

    // Act
    await submitAnswer(reviewStepKinds, self, { rating: 4 });

    // Assess
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify({ requestId: 'req-self-ada', outcome: 'submitted' }),
    });
  });
});
