import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { CsvError, parseCsv } from '../../domain/people/csv';
import { db } from '../../domain/platform/table';
import { RotationEvent, handler as rotationHandler } from '../../functions/events/rotate-link-key';
import { SesEvent, handler as sesHandler } from '../../functions/events/ses-events';
import * as awaitCalibration from '../../functions/steps/await-calibration';
import * as awaitReviews from '../../functions/steps/await-reviews';
import * as checkClose from '../../functions/steps/check-close';
import * as closeCycle from '../../functions/steps/close-cycle';
import * as deliverDigests from '../../functions/steps/deliver-digests';
import * as endPlanItem from '../../functions/steps/end-plan-item';
import * as followPlan from '../../functions/steps/follow-plan';
import * as goalRound from '../../functions/steps/goal-round';
import * as humanStep from '../../functions/steps/human-step';
import * as launchReviews from '../../functions/steps/launch-reviews';
import * as openCycle from '../../functions/steps/open-cycle';
import * as recordFailure from '../../functions/steps/record-failure';
import * as resume from '../../functions/steps/resume';
import * as startReview from '../../functions/steps/start-review';
import * as startTriggeredReviews from '../../functions/steps/start-triggered-reviews';
import { ROOT } from '../../infra/function';
import { anyJson, hostileText, PROPERTY_TIMEOUT, RUNS } from '../support/arbitraries';
import { employee } from '../support/fixtures';
import { storedItem, stubTestEnv, tableBehind } from '../support/unit-doubles';

/*
 * Properties of the boundaries that are not HTTP: the CSV reader under the org import, the SES
 * events EventBridge delivers, the link key's rotation events from Secrets Manager, and each
 * workflow step's input. A malformed input is refused by its zod schema with issues naming where (a
 * ZodError, never a TypeError from deeper in); a CSV file reads back as written, or fails naming its
 * line.
 */

// A property runs its inputs in one test: the default 5 s is for one example.
vi.setConfig({ testTimeout: PROPERTY_TIMEOUT });

const ddb = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const secrets = mockClient(SecretsManagerClient);
const context = {} as Context;

/** What a refused input throws: zod's error, each issue saying where and what. */
const expectZodRefusal = async (run: Promise<unknown>) => {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(z.ZodError);
  for (const issue of (error as z.ZodError).issues) expect(issue.message.length).toBeGreaterThan(0);
};

/** Near misses: objects with the schema's field names (one level down too) holding any JSON. */
const nearInput = (schema: z.ZodType): fc.Arbitrary<unknown> => {
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape as object) : [];
  return fc.oneof(
    anyJson(),
    fc.dictionary(
      fc.constantFrom(
        'action',
        'cycleId',
        'employeeId',
        'planId',
        'itemId',
        'taskToken',
        'requestId',
        ...keys,
      ),
      fc.oneof(
        anyJson(),
        fc.string({ maxLength: 8 }),
        fc.constantFrom('open', 'wake', 'check', 'follow', 'start'),
      ),
      { maxKeys: 4 },
    ),
  );
};

describe('CSV', () => {
  const field = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

  it('reads back any table as written, each record on the line a spreadsheet shows it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(hostileText(12), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('\n', '\r\n'),
        (table, lineEnd) => {
          // Prepare: a line of one empty field is a blank line, which a reader skips; a leading
          // byte-order mark is the file's, not the first field's.
          const records = table.filter((r) => !(r.length === 1 && r[0] === ''));
          fc.pre(!records[0]?.[0]?.startsWith('\uFEFF'));
          const text = records.map((r) => r.map(field).join(',')).join(lineEnd);

          // Act
          const read = parseCsv(text);

          // Assess
          expect(read.map((r) => r.fields)).toEqual(records);
          const starts = records.map((_, i) =>
            records.slice(0, i).reduce((line, r) => line + 1 + (r.join('').match(/\n/g)?.length ?? 0), 1),
          );
          expect(read.map((r) => r.line)).toEqual(starts);
        },
      ),
      { numRuns: RUNS.many },
    );
  });

  it('reads any text, or refuses it naming the line', () => {
    fc.assert(
      fc.property(hostileText(200), (text) => {
        try {
          parseCsv(text);
        } catch (error) {
          expect(error).toBeInstanceOf(CsvError);
          expect((error as CsvError).message).toMatch(/^line \d+: /);
        }
      }),
      { numRuns: RUNS.many },
    );
  });
});

describe('SES events', () => {
  const MESSAGE_ID = 'message-1';

  beforeEach(() => {
    stubTestEnv();
    const outbox = storedItem(
      db().outbox.put({
        key: 'req-1#request',
        kind: 'peer-feedback.request',
        toId: 'emp-linus',
        messageId: MESSAGE_ID,
        status: 'sent',
        createdAt: '2025-03-04T08:00:00.000Z',
      }),
    );
    tableBehind(ddb, storedItem(db().employee.put(employee('emp-linus', { email: 'linus@example.com' }))));
    ddb.on(QueryCommand).resolves({ Items: [outbox] });
    ses.onAnyCommand().resolves({});
  });
  afterEach(() => {
    ddb.reset();
    ses.reset();
    vi.unstubAllEnvs();
  });

  const recipients = fc.array(
    fc.record({
      emailAddress: fc.oneof(hostileText(), fc.constant('LINUS@example.com')).filter((a) => a !== ''),
    }),
    { minLength: 1, maxLength: 3 },
  );
  const bounce = fc.record({
    source: fc.constant('aws.ses'),
    'detail-type': fc.constant('Email Bounced'),
    time: hostileText(),
    detail: fc.record({
      eventType: fc.constant('Bounce'),
      mail: fc.record({ messageId: fc.constant(MESSAGE_ID) }),
      bounce: fc.record({
        bounceType: fc.constantFrom('Permanent', 'Transient', 'Undetermined'),
        bouncedRecipients: recipients,
        timestamp: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      }),
    }),
  });
  const complaint = fc.record({
    source: fc.constant('aws.ses'),
    'detail-type': fc.constant('Email Complaint Received'),
    time: hostileText(),
    detail: fc.record({
      eventType: fc.constant('Complaint'),
      mail: fc.record({ messageId: fc.constant(MESSAGE_ID) }),
      complaint: fc.record({
        complainedRecipients: recipients,
        timestamp: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      }),
    }),
  });

  it('refuses any event its schema refuses with a ZodError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nearInput(SesEvent),
          // A valid event with one member replaced by anything.
          fc
            .tuple(
              fc.oneof(bounce, complaint),
              fc.constantFrom('detail', 'time', 'source', 'detail-type'),
              anyJson(),
            )
            .map(([event, key, value]) => ({ ...event, [key]: value })),
        ),
        async (event) => {
          fc.pre(!SesEvent.safeParse(event).success);
          await expectZodRefusal(sesHandler(event as SesEvent, context));
        },
      ),
      { numRuns: RUNS.some },
    );
  });

  it('records any valid bounce or complaint of a message it sent', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(bounce, complaint), async (event) => {
        // Act
        const { outcome } = await sesHandler(event as SesEvent, context);

        // Assess
        const transient =
          event['detail-type'] === 'Email Bounced' && event.detail.bounce?.bounceType !== 'Permanent';
        expect(outcome).toBe(transient ? 'ignored-transient' : 'flagged');
      }),
      { numRuns: RUNS.few },
    );
  });
});

describe('link-key rotation events', () => {
  const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:link-key';
  const TOKEN = 'a1b2c3d4-0000-4000-8000-000000000001';
  const STAGES = ['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS'];
  const WRITES = [PutSecretValueCommand, UpdateSecretVersionStageCommand];

  afterEach(() => {
    secrets.reset();
  });

  /** A version id as Secrets Manager would send one, or a name every object already answers to. */
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constant(TOKEN) },
    fc.constantFrom('v-current', '__proto__', 'constructor', 'toString', 'hasOwnProperty'),
    hostileText().filter((t) => t !== ''),
  );

  it('refuses a version the secret does not have, even one named like an object’s own member', async () => {
    // Prepare
    secrets.on(DescribeSecretCommand).resolves({
      RotationEnabled: true,
      VersionIdsToStages: { 'v-current': ['AWSCURRENT'] },
    });

    // Act
    const run = rotationHandler(
      { Step: 'createSecret', SecretId: SECRET_ID, ClientRequestToken: 'constructor' },
      context,
    );

    // Assess
    await expect(run).rejects.toThrow('The rotation names a version the secret does not have');
    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('refuses any event its schema refuses with a ZodError, touching no secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          nearInput(RotationEvent),
          fc
            .tuple(
              fc.record({
                Step: fc.constantFrom(...RotationEvent.shape.Step.options),
                SecretId: fc.constant(SECRET_ID),
                ClientRequestToken: token,
              }),
              fc.constantFrom('Step', 'SecretId', 'ClientRequestToken'),
              fc.oneof(anyJson(), fc.constantFrom('', 'CreateSecret', 'finish')),
            )
            .map(([event, key, value]) => ({ ...event, [key]: value })),
        ),
        async (event) => {
          fc.pre(!RotationEvent.safeParse(event).success);
          secrets.resetHistory();
          await expectZodRefusal(rotationHandler(event as RotationEvent, context));
          expect(secrets).not.toHaveReceivedAnyCommand();
        },
      ),
      { numRuns: RUNS.some },
    );
  });

  it('takes any valid event to any state of the secret whole, or refuses it saying why, writing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          Step: fc.constantFrom(...RotationEvent.shape.Step.options),
          SecretId: fc.oneof(
            fc.constant(SECRET_ID),
            hostileText().filter((t) => t !== ''),
          ),
          ClientRequestToken: token,
        }),
        // The secret as DescribeSecret shows it: mostly mid-rotation (a current version and the event's
        // pending one), else any versions, the event's among them or not, with any labels.
        fc.oneof(
          fc.constant<Array<[string, string[]]>>([
            ['v-current', ['AWSCURRENT']],
            [TOKEN, ['AWSPENDING']],
          ]),
          fc.array(
            fc.tuple(
              fc.oneof(fc.constantFrom(TOKEN, 'v-current', 'v-old'), token),
              fc.subarray([...STAGES, 'custom']),
            ),
            { maxLength: 4 },
          ),
        ),
        fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constantFrom(false, undefined)),
        // What the pending version holds, if GetSecretValue finds one.
        fc.option(fc.oneof(fc.string({ minLength: 64, maxLength: 64 }), hostileText()), { nil: undefined }),
        async (event, versions, rotationEnabled, pending) => {
          // Prepare: the SDK answers a map as a plain object of own keys, "__proto__" too (which an
          // assignment would take for the prototype).
          const VersionIdsToStages: Record<string, string[]> = {};
          for (const [id, stages] of versions)
            Object.defineProperty(VersionIdsToStages, id, {
              value: stages,
              enumerable: true,
              configurable: true,
              writable: true,
            });
          secrets.reset();
          secrets
            .on(DescribeSecretCommand)
            .resolves({ VersionIdsToStages, RotationEnabled: rotationEnabled });
          secrets.on(GetRandomPasswordCommand).resolves({ RandomPassword: 'k'.repeat(64) });
          if (pending === undefined)
            secrets
              .on(GetSecretValueCommand)
              .rejects(new ResourceNotFoundException({ message: 'no pending version', $metadata: {} }));
          else
            secrets
              .on(GetSecretValueCommand)
              .resolves({ SecretString: pending, VersionId: event.ClientRequestToken });
          secrets.on(PutSecretValueCommand).resolves({});
          secrets.on(UpdateSecretVersionStageCommand).resolves({});

          // Act
          const error = await rotationHandler(event, context).then(
            () => undefined,
            (e: unknown) => e,
          );

          // Assess
          const writes = secrets.calls().filter((call) => WRITES.some((W) => call.args[0] instanceof W));
          if (error !== undefined) {
            // Refused with its own reason or Secrets Manager's, never a TypeError from a value it did not
            // expect; and nothing half done.
            expect(error).toBeInstanceOf(Error);
            expect(['Error', 'ResourceNotFoundException']).toContain((error as Error).name);
            expect((error as Error).message.length).toBeGreaterThan(0);
            expect(writes).toEqual([]);
            return;
          }
          // Done: at most the one write its step makes, to the event's version, and only while it is pending.
          expect(writes.length).toBeLessThanOrEqual(1);
          const write = writes[0]?.args[0];
          if (!write) return;
          const own = Object.hasOwn(VersionIdsToStages, event.ClientRequestToken)
            ? (VersionIdsToStages[event.ClientRequestToken] ?? [])
            : [];
          expect(own).toContain('AWSPENDING');
          expect(own).not.toContain('AWSCURRENT');
          if (write instanceof PutSecretValueCommand) {
            expect(event.Step).toBe('createSecret');
            expect(write.input).toMatchObject({
              ClientRequestToken: event.ClientRequestToken,
              VersionStages: ['AWSPENDING'],
            });
            expect(write.input.SecretString?.length).toBeGreaterThanOrEqual(32);
          } else {
            expect(event.Step).toBe('finishSecret');
            expect(write.input).toMatchObject({
              VersionStage: 'AWSCURRENT',
              MoveToVersionId: event.ClientRequestToken,
            });
          }
        },
      ),
      { numRuns: RUNS.some },
    );
  });
});

describe('workflow steps', () => {
  const STEPS = Object.entries({
    awaitCalibration: [awaitCalibration.handler, awaitCalibration.AwaitCalibrationInput],
    awaitReviews: [awaitReviews.handler, awaitReviews.AwaitReviewsInput],
    checkClose: [checkClose.handler, checkClose.CheckCloseInput],
    closeCycle: [closeCycle.handler, closeCycle.CloseCycleInput],
    deliverDigests: [deliverDigests.handler, deliverDigests.DeliverDigestsInput],
    endPlanItem: [endPlanItem.handler, endPlanItem.EndPlanItemInput],
    followPlan: [followPlan.handler, followPlan.FollowPlanInput],
    goalRound: [goalRound.handler, goalRound.GoalRoundInput],
    humanStep: [humanStep.handler, humanStep.HumanStepInput],
    launchReviews: [launchReviews.handler, launchReviews.LaunchReviewsInput],
    openCycle: [openCycle.handler, openCycle.OpenCycleInput],
    recordFailure: [recordFailure.handler, recordFailure.RecordFailureInput],
    resume: [resume.handler, resume.ResumeInput],
    startReview: [startReview.handler, startReview.StartReviewInput],
    startTriggeredReviews: [startTriggeredReviews.handler, startTriggeredReviews.StartTriggeredReviewsInput],
  } as const);

  beforeEach(() => {
    stubTestEnv();
  });
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('covers every step module', () => {
    const modules = readdirSync(path.join(ROOT, 'functions/steps')).map((f) =>
      f.replace(/\.ts$/, '').replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
    );
    expect(STEPS.map(([name]) => name).sort()).toEqual(modules.sort());
  });

  it.each(STEPS)(
    '%s refuses any input its schema refuses with a ZodError, touching nothing',
    async (_, [run, schema]) => {
      await fc.assert(
        fc.asyncProperty(nearInput(schema), async (input) => {
          fc.pre(!schema.safeParse(input).success);
          await expectZodRefusal(
            (run as (input: unknown, context: Context) => Promise<unknown>)(input, context),
          );
        }),
        { numRuns: RUNS.some },
      );
      expect(ddb).not.toHaveReceivedAnyCommand();
    },
  );
});
