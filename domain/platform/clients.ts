import { Tracer } from '@aws-lambda-powertools/tracer';
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
 * Each SDK call is an X-Ray subsegment of the invocation's trace. Outside Lambda, and wherever
 * POWERTOOLS_TRACE_ENABLED is false (the local stack), the tracer hands the clients back untouched.
 */
const tracer = new Tracer();

// The document client sends through this client's middleware, so capturing it traces both.
const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({}));

export const documentClient = DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});
export const ses = tracer.captureAWSv3Client(new SESv2Client({}));
export const sfn = tracer.captureAWSv3Client(new SFNClient({}));
export const secrets = tracer.captureAWSv3Client(new SecretsManagerClient({}));
export const scheduler = tracer.captureAWSv3Client(new SchedulerClient({}));
export const lambda = tracer.captureAWSv3Client(new LambdaClient({}));
