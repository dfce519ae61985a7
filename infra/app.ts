import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { GrowcycleStack } from './stack';

/** `-c emailSendRate=N`: a positive whole number of emails per second, or the default of 14. */
const emailSendRate = (value: unknown): number | undefined => {
  if (value === undefined) return undefined;
  const rate = Number(value);
  if (!Number.isInteger(rate) || rate < 1) {
    throw new Error(
      `Context emailSendRate must be a positive whole number of emails per second, not "${String(value)}"`,
    );
  }
  return rate;
};

/** `-c sdkTracing=true` or `false` (the default). */
const sdkTracing = (value: unknown): boolean => {
  if (value === undefined || value === 'false' || value === false) return false;
  if (value === 'true' || value === true) return true;
  throw new Error(`Context sdkTracing must be true or false, not "${String(value)}"`);
};

/** A retention period from context: whole days; the stack refuses anything else. */
const days = (value: unknown): number | undefined => (value === undefined ? undefined : Number(value));

/**
 * The CDK app. Sender and HR addresses come from context (`cdk deploy -c senderAddress=...`);
 * the defaults only make `cdk synth` work out of the box. `-c emailSendRate=N` sets the send rate, `-c sdkTracing=true` traces each AWS SDK call,
 * `-c signInDomainPrefix=P` the managed login's domain,
 * `-c companyDomains=a.com,b.com` the company's own email domains, and `-c leaverRetentionDays=N`,
 * `-c outboxRetentionDays=N`, `-c auditRetentionDays=N`, `-c externalRetentionDays=N`,
 * `-c digestRetentionDays=N` the retention
 * periods (docs/security.md).
 */
export const buildApp = (app = new App()): { app: App; stack: GrowcycleStack } => {
  const context = (key: string, fallback: string) =>
    (app.node.tryGetContext(key) as string | undefined) ?? fallback;
  const stack = new GrowcycleStack(app, 'Growcycle', {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    senderAddress: context('senderAddress', 'growcycle@example.com'),
    hrAddress: context('hrAddress', 'hr@example.com'),
    publicBaseUrl: app.node.tryGetContext('publicBaseUrl') as string | undefined,
    signInDomainPrefix: app.node.tryGetContext('signInDomainPrefix') as string | undefined,
    emailSendRate: emailSendRate(app.node.tryGetContext('emailSendRate')),
    sdkTracing: sdkTracing(app.node.tryGetContext('sdkTracing')),
    retentionDays: {
      leaver: days(app.node.tryGetContext('leaverRetentionDays')),
      outbox: days(app.node.tryGetContext('outboxRetentionDays')),
      audit: days(app.node.tryGetContext('auditRetentionDays')),
      externalReviewers: days(app.node.tryGetContext('externalRetentionDays')),
      digests: days(app.node.tryGetContext('digestRetentionDays')),
    },
    companyDomains: (app.node.tryGetContext('companyDomains') as string | undefined)
      ?.split(',')
      .map((d) => d.trim())
      .filter(Boolean),
    description: 'growcycle: appraisal cycles, peer feedback and development-plan follow-up',
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
};

if (import.meta.url === `file://${process.argv[1]}`) {
  buildApp().app.synth();
}
