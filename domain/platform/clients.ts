import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

// Created once per container. Endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables, so the
// same code talks to AWS or to the local stack.
const dynamo = new DynamoDBClient({});

export const documentClient = DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});
export const ses = new SESv2Client({});
export const sfn = new SFNClient({});
export const secrets = new SecretsManagerClient({});
export const scheduler = new SchedulerClient({});
