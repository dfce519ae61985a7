import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { secrets } from '../../domain/platform/clients';
import { logger } from '../../domain/platform/logger';
import { observed, zodEvent } from '../shared/middleware';

/*
 * Rotates the key that signs email links, called by Secrets Manager on the rotation schedule
 * (infra/stack.ts) with its four steps. The key is ours alone (no database holds a copy), so setting
 * and testing it elsewhere is nothing: a new random key becomes AWSCURRENT and signs the links from
 * then on; the one it replaces becomes AWSPREVIOUS and still verifies links already sent, until the
 * next rotation retires it (domain/mail/links.ts). Each step is safe to repeat, as Secrets Manager
 * may call it again.
 */

export const RotationEvent = z.object({
  Step: z.enum(['createSecret', 'setSecret', 'testSecret', 'finishSecret']),
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
});
export type RotationEvent = z.infer<typeof RotationEvent>;

const KEY_LENGTH = 64;

const hasPending = async (event: RotationEvent): Promise<boolean> => {
  try {
    await secrets.send(
      new GetSecretValueCommand({
        SecretId: event.SecretId,
        VersionId: event.ClientRequestToken,
        VersionStage: 'AWSPENDING',
      }),
    );
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw error;
  }
};

const steps: Record<RotationEvent['Step'], (event: RotationEvent) => Promise<void>> = {
  createSecret: async (event) => {
    if (await hasPending(event)) return;
    const { RandomPassword } = await secrets.send(
      new GetRandomPasswordCommand({ PasswordLength: KEY_LENGTH, ExcludePunctuation: true }),
    );
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: event.SecretId,
        ClientRequestToken: event.ClientRequestToken,
        SecretString: RandomPassword,
        VersionStages: ['AWSPENDING'],
      }),
    );
  },
  // No other system holds the key.
  setSecret: async () => undefined,
  testSecret: async (event) => {
    const { SecretString } = await secrets.send(
      new GetSecretValueCommand({
        SecretId: event.SecretId,
        VersionId: event.ClientRequestToken,
        VersionStage: 'AWSPENDING',
      }),
    );
    if ((SecretString ?? '').length < 32) throw new Error('The pending link key is too short');
  },
  finishSecret: async (event) => {
    const { VersionIdsToStages = {} } = await secrets.send(
      new DescribeSecretCommand({ SecretId: event.SecretId }),
    );
    const current = Object.entries(VersionIdsToStages).find(([, stages]) =>
      stages.includes('AWSCURRENT'),
    )?.[0];
    if (current === event.ClientRequestToken) return;
    await secrets.send(
      new UpdateSecretVersionStageCommand({
        SecretId: event.SecretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: event.ClientRequestToken,
        ...(current ? { RemoveFromVersionId: current } : {}),
      }),
    );
  },
};

export const rotateLinkKey = async (event: RotationEvent): Promise<void> => {
  const { VersionIdsToStages = {}, RotationEnabled } = await secrets.send(
    new DescribeSecretCommand({ SecretId: event.SecretId }),
  );
  if (RotationEnabled === false) throw new Error('Rotation is not enabled on the link key');
  // Own keys only: a token such as "constructor" would otherwise find Object's members, not a version.
  const stages = Object.hasOwn(VersionIdsToStages, event.ClientRequestToken)
    ? VersionIdsToStages[event.ClientRequestToken]
    : undefined;
  if (!stages) throw new Error('The rotation names a version the secret does not have');
  // Already finished: a repeated call changes nothing.
  if (stages.includes('AWSCURRENT')) return;
  if (!stages.includes('AWSPENDING')) throw new Error('The rotation’s version is not pending');
  await steps[event.Step](event);
  logger.info('link key rotation step', { action: event.Step });
};

export const handler = middy<RotationEvent, void, Error, Context>()
  .use(observed())
  .use(zodEvent(RotationEvent))
  .handler(rotateLinkKey);
