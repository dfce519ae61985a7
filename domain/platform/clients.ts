import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Created once per container. Endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables, so the
// same code talks to AWS or to the local stack.

/**
 * Each SDK call an X-Ray subsegment of the invocation's trace, where the deployment asks for it
 * (`cdk deploy -c sdkTracing=true` sets POWERTOOLS_TRACE_ENABLED to true). Otherwise the Powertools
 * Tracer and the X-Ray SDK under it are not even loaded: they add 20 to 40 ms to every cold start
 * (docs/benchmarks.md), and Lambda traces each invocation without them.
 */
const tracer =
  process.env.POWERTOOLS_TRACE_ENABLED === 'true'
    ? new (await import('@aws-lambda-powertools/tracer')).Tracer()
    : undefined;

const traced = <Client>(client: Client): Client => tracer?.captureAWSv3Client(client) ?? client;

// The document client sends through this client's middleware, so capturing it traces both.
const dynamo = traced(new DynamoDBClient({}));

export const documentClient = DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});
/*
 * One attempt per SendEmail: an attempt SES accepted but whose reply was lost (a reset connection, a
 * 5xx) would be sent again by the SDK's own retry, under a new message id. sendOnce decides instead:
 * a throttle gives its outbox claim back to be retried, anything else keeps the claim, which SES's
 * Send event marks sent if the email went out (domain/mail/send.ts).
 */
export const ses = traced(new SESv2Client({ maxAttempts: 1 }));
export const sfn = traced(new SFNClient({}));
export const secrets = traced(new SecretsManagerClient({}));
export const scheduler = traced(new SchedulerClient({}));
export const lambda = traced(new LambdaClient({}));
