import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { Entity } from 'electrodb';
import * as z from 'zod';

/*
 * The least a handler of this stack loads, for bench/bundles.ts: the SDK clients every handler
 * builds (domain/platform/clients.ts), middy with the Powertools Logger and Metrics middlewares, one
 * zod schema and one ElectroDB entity, and no code of ours. Its load time over that of its SDK
 * clients alone is the floor under `lambda.init.ratio`: what the libraries cost before any
 * handler's own code, bundled and loaded as the handlers are.
 */

const dynamo = new DynamoDBClient({});
const clients = [
  new SESv2Client({}),
  new SFNClient({}),
  new SecretsManagerClient({}),
  new SchedulerClient({}),
  new LambdaClient({}),
];
const logger = new Logger();
const metrics = new Metrics();

const Item = new Entity(
  {
    model: { entity: 'item', version: '1', service: 'floor' },
    attributes: { id: { type: 'string', required: true } },
    indexes: { byId: { pk: { field: 'pk', composite: ['id'] }, sk: { field: 'sk', composite: [] } } },
  },
  { table: 'floor', client: DynamoDBDocumentClient.from(dynamo) },
);

const Input = z.object({ id: z.string().min(1) });

export const handler = middy(async (event: unknown) => {
  const { id } = Input.parse(event);
  metrics.addMetric('floor', 'Count', clients.length);
  return (await Item.get({ id }).go()).data;
})
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
