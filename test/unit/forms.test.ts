import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readCatalogFile } from '../../cli/growcycle';
import { FrameworkDoc, TemplateDoc } from '../../domain/catalog/documents';
import { type LinkKey, signedPath } from '../../domain/mail/links';
import { db, type HumanRequest } from '../../domain/platform/table';
import { handleForm } from '../../functions/api/forms';
import { CATALOG_YAML } from '../../local/sample-org';
import { adasSelfAssessment, cycleH1, employee, TEST_LINK_NONCE } from '../support/fixtures';
import {
  fakeTable,
  httpEvent,
  storedItem,
  stubTestEnv,
  TEST_LINK_KEY,
  TEST_LINK_SECRET_VALUE,
  transactionCanceledByCondition,
} from '../support/unit-doubles';

const NOW = new Date('2025-03-12T09:00:00Z');
const CLOSE_AT = new Date('2025-03-21T17:00:00Z');
const TASK_TOKEN = 'task-token-of-the-current-wait';

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);

const ada = employee('emp-ada', {
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  managerId: 'emp-grace',
  level: 4,
  timeZone: 'Europe/London',
});

const selfAssessment = adasSelfAssessment();

/** The link from the email, split the way API Gateway hands it over. */
const link = (requestId: string, expiresAt: Date, key: LinkKey = TEST_LINK_KEY) => {
  const url = new URL(
    signedPath(key, 'respond', { requestId, nonce: TEST_LINK_NONCE }, expiresAt),
    'https://forms.example.com',
  );
  return {
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
  };
};

const getForm = (requestId: string, query: Record<string, string>) =>
  httpEvent({
    method: 'GET',
    route: '/r/{requestId}',
    path: `/r/${requestId}`,
    pathParameters: { requestId },
    query,
  });

const postForm = (requestId: string, query: Record<string, string>, fields: Record<string, string>) =>
  httpEvent({
    method: 'POST',
    route: '/r/{requestId}',
    path: `/r/${requestId}`,
    pathParameters: { requestId },
    query,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });

const COMPLETE_ANSWER = {
  rating: '4',
  achievements: 'Shipped the analytical engine notes.',
  growth: 'Public speaking.',
};

/** True when DynamoDB received no write of any kind. */
const expectNoWrite = () => {
  expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  expect(ddb).not.toHaveReceivedCommand(PutCommand);
};

describe('handleForm', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });

  beforeEach(() => {
    stubTestEnv();
    secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
    sfn.on(SendTaskSuccessCommand).resolves({});
  });

  afterEach(() => {
    ddb.reset();
    secrets.reset();
    sfn.reset();
    vi.unstubAllEnvs();
  });

  afterAll(() => {
    vi.useRealTimers();
  });

  it('answers 403 to a link whose signature was altered, without reading the request', async () => {
    // Prepare
    const { query } = link(selfAssessment.requestId, CLOSE_AT);
    const tampered = { ...query, s: `${query.s?.slice(0, -2)}xx` };

    // Act
    const result = await handleForm(getForm(selfAssessment.requestId, tampered));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('answers 403 to a link signed with another key', async () => {
    // Prepare
    const { query } = link(selfAssessment.requestId, CLOSE_AT, { ...TEST_LINK_KEY, secret: 'forged-key' });

    // Act
    const result = await handleForm(getForm(selfAssessment.requestId, query));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('answers 410 to a genuine link after its expiry, without reading the request', async () => {
    // Prepare
    const { query } = link(selfAssessment.requestId, new Date('2025-03-11T09:00:00Z'));

    // Act
    const result = await handleForm(getForm(selfAssessment.requestId, query));

    // Assess
    expect(result.statusCode).toBe(410);
    expect(ddb).not.toHaveReceivedAnyCommand();
  });

  it('shows the form of an open request with strict headers and changes nothing', async () => {
    // Prepare
    const table = fakeTable(storedItem(db().request.put(selfAssessment)), storedItem(db().employee.put(ada)));
    ddb.on(GetCommand).callsFake(table.get);
    const { path, query } = link(selfAssessment.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(getForm(selfAssessment.requestId, query));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    expect(result.headers?.['content-security-policy']).toContain("default-src 'none'");
    expect(result.headers?.['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(result.body).toContain(
      `<form method="post" action="${path}?${new URLSearchParams(query).toString().replace(/&/g, '&amp;')}">`,
    );
    expect(result.body).toContain('name="achievements"');
    expect(result.body).toContain('For Ada Lovelace.');
    // The due date as Ada reads it in her email: London time, not the server's.
    expect(result.body).toContain('Friday, 14 March 2025 at 17:00 GMT');
    expectNoWrite();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('reads the person a request is about once when it is also its recipient', async () => {
    // Prepare
    const table = fakeTable(storedItem(db().request.put(selfAssessment)), storedItem(db().employee.put(ada)));
    ddb.on(GetCommand).callsFake(table.get);
    const { query } = link(selfAssessment.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(getForm(selfAssessment.requestId, query));

    // Assess
    expect(result.statusCode).toBe(200);
    const readsOfAda = ddb
      .commandCalls(GetCommand)
      .filter((call) => JSON.stringify(call.args[0].input.Key).includes('emp-ada'));
    expect(readsOfAda).toHaveLength(1);
  });

  it('answers 404 to a valid link whose request does not exist', async () => {
    // Prepare
    ddb.on(GetCommand).callsFake(fakeTable().get);
    const { query } = link('req-unknown', CLOSE_AT);

    // Act
    const result = await handleForm(getForm('req-unknown', query));

    // Assess
    expect(result.statusCode).toBe(404);
  });

  it('rejects a POST missing a required field with 400, naming the field, and stores nothing', async () => {
    // Prepare
    const table = fakeTable(storedItem(db().request.put(selfAssessment)), storedItem(db().employee.put(ada)));
    ddb.on(GetCommand).callsFake(table.get);
    const { query } = link(selfAssessment.requestId, CLOSE_AT);
    const { growth: _missing, ...incomplete } = COMPLETE_ANSWER;

    // Act
    const result = await handleForm(postForm(selfAssessment.requestId, query, incomplete));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(result.body).toContain(
      '<p class="error" id="growth-error">Where you want to grow is required</p>',
    );
    expect(result.body).toContain('aria-describedby="growth-error"');
    expect(result.body).not.toContain('id="achievements-error"');
    // What was typed is kept, so nothing has to be written twice.
    expect(result.body).toContain('Shipped the analytical engine notes.</textarea>');
    expectNoWrite();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('stores a complete answer in one transaction and resumes the workflow with the stored token', async () => {
    // Prepare: the wait's current token is kept apart from the request.
    const table = fakeTable(
      storedItem(db().request.put(selfAssessment)),
      storedItem(
        db().waitToken.put({ waitId: `request#${selfAssessment.requestId}`, taskToken: TASK_TOKEN }),
      ),
      storedItem(db().employee.put(ada)),
    );
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).resolves({});
    const { query } = link(selfAssessment.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(postForm(selfAssessment.requestId, query, COMPLETE_ANSWER));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.body).toContain('Your self-assessment: received.');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const [transaction] = ddb.commandCalls(TransactWriteCommand);
    const [requestUpdate] = transaction?.args[0].input.TransactItems ?? [];
    // Only a request still open becomes submitted.
    expect(requestUpdate?.Update?.ExpressionAttributeValues).toMatchObject({
      ':status0': 'open',
      ':status_u0': 'submitted',
    });
    // The answer is stored once, on the review, where its readers look; not copied onto the request.
    expect(requestUpdate?.Update?.ExpressionAttributeValues).not.toHaveProperty(':response_u0');
    const reviewUpdate = transaction?.args[0].input.TransactItems?.find((t) =>
      String(t.Update?.Key?.sk ?? '').startsWith('$review'),
    );
    expect(reviewUpdate?.Update?.ExpressionAttributeValues?.[':selfAssessment_u0']).toEqual({
      rating: 4,
      achievements: COMPLETE_ANSWER.achievements,
      growth: COMPLETE_ANSWER.growth,
    });
    expect(requestUpdate?.Update?.ConditionExpression).toContain('#status = :status0');
    // ...and only while it is still with this reviewer: not passed on to someone else meanwhile.
    expect(requestUpdate?.Update?.ConditionExpression).toContain('attribute_not_exists(#assignment)');
    expect(sfn).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TASK_TOKEN,
      output: JSON.stringify({ requestId: selfAssessment.requestId, outcome: 'submitted' }),
    });
  });

  it('answers 409 to a second submission and does not resume the workflow again', async () => {
    // Prepare: another submission lands first, so this one's conditional transaction is cancelled.
    const table = fakeTable(storedItem(db().request.put(selfAssessment)), storedItem(db().employee.put(ada)));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).callsFake(() => {
      table.put(storedItem(db().request.put({ ...selfAssessment, status: 'submitted' })));
      throw transactionCanceledByCondition();
    });
    const { query } = link(selfAssessment.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(postForm(selfAssessment.requestId, query, COMPLETE_ANSWER));

    // Assess
    expect(result.statusCode).toBe(409);
    expect(result.body).toContain('Already submitted');
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('answers 410 to a submission that arrives after the request closed, without resuming the workflow', async () => {
    // Prepare: the close date's wake-up expires the request between reading it and the transaction.
    const table = fakeTable(storedItem(db().request.put(selfAssessment)), storedItem(db().employee.put(ada)));
    ddb.on(GetCommand).callsFake(table.get);
    ddb.on(TransactWriteCommand).callsFake(() => {
      table.put(storedItem(db().request.put({ ...selfAssessment, status: 'expired' })));
      throw transactionCanceledByCondition();
    });
    const { query } = link(selfAssessment.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(postForm(selfAssessment.requestId, query, COMPLETE_ANSWER));

    // Assess
    expect(result.statusCode).toBe(410);
    expect(sfn).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('answers 409 when the form is opened again after it was submitted', async () => {
    // Prepare
    const submitted = { ...selfAssessment, status: 'submitted' as const };
    ddb.on(GetCommand).callsFake(fakeTable(storedItem(db().request.put(submitted))).get);
    const { query } = link(selfAssessment.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(getForm(selfAssessment.requestId, query));

    // Assess
    expect(result.statusCode).toBe(409);
    expectNoWrite();
  });
});

describe('handleForm in a cycle made from a template', () => {
  const [frameworkDoc, templateDoc] = readCatalogFile(CATALOG_YAML);
  const framework = FrameworkDoc.parse(frameworkDoc);
  const template = TemplateDoc.parse(templateDoc);
  const cycle = cycleH1({ templateId: template.id });
  const peerRequest: HumanRequest = {
    ...selfAssessment,
    requestId: 'req-peer-ada',
    kind: 'peer-feedback',
    recipientId: 'emp-grace',
    escalations: [],
  };
  const stored = () =>
    fakeTable(
      storedItem(db().request.put(peerRequest)),
      storedItem(db().employee.put(ada)),
      storedItem(db().cycle.put(cycle)),
      // The template and framework as the cycle was scheduled with them.
      storedItem(
        db().cycleCatalog.put({ cycleId: cycle.cycleId, template, framework, createdAt: NOW.toISOString() }),
      ),
    );
  const answer = {
    'rating.ownership': '4',
    'rating.candour': '3',
    'rating.craft': '5',
    'rating.coaching': '2',
    strengths: 'Clear notes.',
    growth: 'Share earlier.',
  };

  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
  });

  beforeEach(() => {
    stubTestEnv();
    secrets.on(GetSecretValueCommand).resolves(TEST_LINK_SECRET_VALUE);
    sfn.on(SendTaskSuccessCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
  });

  afterEach(() => {
    ddb.reset();
    secrets.reset();
    sfn.reset();
    vi.unstubAllEnvs();
  });

  afterAll(() => {
    vi.useRealTimers();
  });

  it('asks for a rating per competency the template names, with the framework scale labels', async () => {
    // Prepare
    ddb.on(GetCommand).callsFake(stored().get);
    const { query } = link(peerRequest.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(getForm(peerRequest.requestId, query));

    // Assess
    expect(result.statusCode).toBe(200);
    for (const id of ['ownership', 'candour', 'craft', 'coaching'])
      expect(result.body).toContain(`name="rating.${id}" value="5" required> 5 · Well above</label>`);
    expect(result.body).not.toContain('name="rating"');
    expectNoWrite();
  });

  it('rejects a missing competency rating with 400 naming it, and stores nothing', async () => {
    // Prepare
    ddb.on(GetCommand).callsFake(stored().get);
    const { query } = link(peerRequest.requestId, CLOSE_AT);
    const { 'rating.craft': _missing, ...incomplete } = answer;

    // Act
    const result = await handleForm(postForm(peerRequest.requestId, query, incomplete));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(result.body).toContain('<p class="error" id="rating.craft-error">Choose a rating for Craft</p>');
    expectNoWrite();
  });

  it('stores the ratings by competency with the answer’s own overall from the template weights', async () => {
    // Prepare
    ddb.on(GetCommand).callsFake(stored().get);
    ddb.on(TransactWriteCommand).resolves({});
    const { query } = link(peerRequest.requestId, CLOSE_AT);

    // Act
    const result = await handleForm(postForm(peerRequest.requestId, query, answer));

    // Assess
    expect(result.statusCode).toBe(200);
    const [transaction] = ddb.commandCalls(TransactWriteCommand);
    // The answer is stored on the peer's feedback row (not copied onto the request).
    const feedbackPut = transaction?.args[0].input.TransactItems?.find((t) =>
      String(t.Put?.Item?.sk ?? '').startsWith('$feedback'),
    );
    // No goals: craft (a competency) 5 at 0.3, ownership, candour (values) and coaching (a behaviour) mean 3 at 0.2.
    expect(feedbackPut?.Put?.Item?.answers).toMatchObject({
      ratings: { ownership: 4, candour: 3, craft: 5, coaching: 2 },
      strengths: 'Clear notes.',
      rating: 4.2,
    });
  });
});
