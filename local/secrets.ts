import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as z from 'zod';

/*
 * The stand-in for the stack's one Secrets Manager secret, the key that signs email links, with the
 * versions and staging labels rotation moves: GetSecretValue by stage or version, DescribeSecret,
 * PutSecretValue, UpdateSecretVersionStage, GetRandomPassword, and RotateSecret, which runs the
 * template's rotation function through its four steps as Secrets Manager does. Kept in a file under
 * the data folder (owner-only), so links in emails already sent keep working after a restart.
 */

/** A version; one RotateSecret has just made has no value until its createSecret step puts one. */
type Version = { id: string; secret?: string | undefined; stages: string[] };
const Stored = z.object({
  versions: z.array(z.object({ id: z.string(), secret: z.string().optional(), stages: z.array(z.string()) })),
});

export class SecretsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

const notFound = (what: string) =>
  new SecretsError('ResourceNotFoundException', `Secrets Manager can’t find ${what}.`);

export type RotationRunner = (event: {
  Step: string;
  SecretId: string;
  ClientRequestToken: string;
}) => Promise<unknown>;

export class LocalSecret {
  private versions: Version[];

  constructor(
    readonly secretId: string,
    private readonly file?: string,
  ) {
    const stored =
      file && existsSync(file) ? Stored.safeParse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
    this.versions = stored?.success
      ? stored.data.versions
      : [{ id: randomUUID(), secret: randomBytes(48).toString('base64url'), stages: ['AWSCURRENT'] }];
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ versions: this.versions }), { mode: 0o600 });
    renameSync(temp, this.file);
  }

  private named(secretId: unknown): void {
    if (secretId !== this.secretId) throw notFound('the specified secret');
  }

  private withStage(stage: string): Version | undefined {
    return this.versions.find((v) => v.stages.includes(stage));
  }

  getSecretValue(b: Record<string, unknown>) {
    this.named(b.SecretId);
    const stage = typeof b.VersionStage === 'string' ? b.VersionStage : undefined;
    const versionId = typeof b.VersionId === 'string' ? b.VersionId : undefined;
    const version = this.versions.find(
      (v) =>
        (versionId === undefined || v.id === versionId) &&
        v.stages.includes(stage ?? (versionId ? (v.stages[0] ?? '') : 'AWSCURRENT')),
    );
    if (version?.secret === undefined)
      throw notFound('the specified secret value for staging label or version');
    return {
      ARN: this.secretId,
      Name: 'growcycle-link-secret',
      SecretString: version.secret,
      VersionId: version.id,
      VersionStages: version.stages,
    };
  }

  describeSecret(b: Record<string, unknown>, rotationEnabled: boolean) {
    this.named(b.SecretId);
    return {
      ARN: this.secretId,
      Name: 'growcycle-link-secret',
      RotationEnabled: rotationEnabled,
      VersionIdsToStages: Object.fromEntries(this.versions.map((v) => [v.id, v.stages])),
    };
  }

  putSecretValue(b: Record<string, unknown>) {
    this.named(b.SecretId);
    const id = typeof b.ClientRequestToken === 'string' ? b.ClientRequestToken : randomUUID();
    const stages = Array.isArray(b.VersionStages) ? b.VersionStages.map(String) : ['AWSCURRENT'];
    const existing = this.versions.find((v) => v.id === id);
    if (existing && existing.secret === undefined) {
      existing.secret = String(b.SecretString ?? '');
      this.save();
      return { ARN: this.secretId, VersionId: id, VersionStages: existing.stages };
    }
    if (existing) {
      if (existing.secret !== b.SecretString)
        throw new SecretsError(
          'ResourceExistsException',
          'A version with this ClientRequestToken already exists.',
        );
      return { ARN: this.secretId, VersionId: id, VersionStages: existing.stages };
    }
    for (const v of this.versions) v.stages = v.stages.filter((s) => !stages.includes(s));
    this.versions.push({ id, secret: String(b.SecretString ?? ''), stages });
    this.prune();
    this.save();
    return { ARN: this.secretId, VersionId: id, VersionStages: stages };
  }

  updateSecretVersionStage(b: Record<string, unknown>) {
    this.named(b.SecretId);
    const stage = String(b.VersionStage ?? '');
    const to = this.versions.find((v) => v.id === b.MoveToVersionId);
    const from = this.versions.find((v) => v.id === b.RemoveFromVersionId);
    if (b.MoveToVersionId !== undefined && !to) throw notFound('the version to move the label to');
    const holder = this.withStage(stage);
    if (holder && holder !== from && holder !== to)
      throw new SecretsError('InvalidParameterException', `The label ${stage} is on another version.`);
    if (from) from.stages = from.stages.filter((s) => s !== stage);
    if (to && !to.stages.includes(stage)) to.stages.push(stage);
    // As Secrets Manager does: the version that loses AWSCURRENT becomes AWSPREVIOUS.
    if (stage === 'AWSCURRENT' && from && to && from !== to) {
      for (const v of this.versions) v.stages = v.stages.filter((s) => s !== 'AWSPREVIOUS');
      from.stages.push('AWSPREVIOUS');
    }
    this.prune();
    this.save();
    return { ARN: this.secretId, Name: 'growcycle-link-secret' };
  }

  /** Versions with no label are deprecated, and Secrets Manager removes them. */
  private prune(): void {
    this.versions = this.versions.filter((v) => v.stages.length > 0);
  }

  /** Runs rotation's four steps with a new version id, as Secrets Manager's RotateSecret does. */
  async rotate(b: Record<string, unknown>, run: RotationRunner | undefined) {
    this.named(b.SecretId);
    if (!run) throw new SecretsError('InvalidRequestException', 'The secret has no rotation function.');
    const token = typeof b.ClientRequestToken === 'string' ? b.ClientRequestToken : randomUUID();
    // As Secrets Manager does: the new version is labelled AWSPENDING before the first step runs.
    for (const v of this.versions) v.stages = v.stages.filter((s) => s !== 'AWSPENDING');
    this.prune();
    this.versions.push({ id: token, stages: ['AWSPENDING'] });
    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
      await run({ Step, SecretId: this.secretId, ClientRequestToken: token });
    return { ARN: this.secretId, Name: 'growcycle-link-secret', VersionId: token };
  }
}

/** A random password as GetRandomPassword gives one: letters and digits when punctuation is excluded. */
export const randomPassword = (b: Record<string, unknown>): { RandomPassword: string } => {
  const length = Number(b.PasswordLength ?? 32);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return { RandomPassword: Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('') };
};
