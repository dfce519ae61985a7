/**
 * Configuration is read from the environment once per container. A missing variable fails at the
 * first read with its name, so a mis-wired function fails loudly instead of half-working.
 */
const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
};

export const config = {
  get tableName() {
    return required('TABLE_NAME');
  },
  get senderAddress() {
    return required('SENDER_ADDRESS');
  },
  /**
   * The company's own email domains (COMPANY_DOMAINS, comma-separated; by default the sender
   * address's): an address there is a colleague's, never an external reviewer's.
   */
  get companyDomains(): string[] {
    const listed = (process.env.COMPANY_DOMAINS ?? '')
      .split(',')
      .map((d) => d.trim().toLowerCase())
      .filter(Boolean);
    return listed.length ? listed : [(required('SENDER_ADDRESS').split('@').pop() ?? '').toLowerCase()];
  },
  get publicBaseUrl() {
    return required('PUBLIC_BASE_URL').replace(/\/$/, '');
  },
  /**
   * The OAuth 2.0 issuer people sign in with (Cognito managed login on AWS, the development issuer
   * locally): its token issuer, its keys, and the base URL of its /oauth2/authorize, /oauth2/token and
   * /logout endpoints, which both share.
   */
  get authIssuer() {
    return required('AUTH_ISSUER');
  },
  get authJwksUrl() {
    return required('AUTH_JWKS_URL');
  },
  get authDomainUrl() {
    return required('AUTH_DOMAIN_URL').replace(/\/$/, '');
  },
  /** The app's client (code flow, callback /auth/callback) and the CLI's (code flow, loopback callback). */
  get authAppClientId() {
    return required('AUTH_APP_CLIENT_ID');
  },
  get authCliClientId() {
    return required('AUTH_CLI_CLIENT_ID');
  },
  get linkSecretId() {
    return required('LINK_SECRET_ID');
  },
  get reviewStateMachineArn() {
    return required('REVIEW_STATE_MACHINE_ARN');
  },
  get cycleStateMachineArn() {
    return required('CYCLE_STATE_MACHINE_ARN');
  },
  get planStateMachineArn() {
    return required('PLAN_STATE_MACHINE_ARN');
  },
  get planItemStateMachineArn() {
    return required('PLAN_ITEM_STATE_MACHINE_ARN');
  },
  get feedbackStateMachineArn() {
    return required('FEEDBACK_STATE_MACHINE_ARN');
  },
  get scheduleGroupName() {
    return required('SCHEDULE_GROUP_NAME');
  },
  get schedulerRoleArn() {
    return required('SCHEDULER_ROLE_ARN');
  },
  /** The dead-letter queue (infra/operations.ts) that keeps what a one-time schedule could not deliver. */
  get failedInvocationsQueueArn() {
    return required('FAILED_INVOCATIONS_QUEUE_ARN');
  },
  /** The one function that answers a task token read from the table (functions/steps/resume.ts). */
  get resumeFunctionName() {
    return required('RESUME_FUNCTION_NAME');
  },
  /** The digest delivery (functions/steps/deliver-digests.ts), which one-time schedules invoke at each send time. */
  get digestFunctionArn() {
    return required('DIGEST_FUNCTION_ARN');
  },
  get hrAddress() {
    return required('HR_ADDRESS');
  },
  /** Emails per second across all functions (SES's default quota is 14); optional, defaults to 14. */
  get emailSendRate() {
    const raw = process.env.EMAIL_SEND_RATE;
    if (raw === undefined || raw === '') return 14;
    const rate = Number(raw);
    if (!Number.isInteger(rate) || rate < 1) {
      throw new Error(`EMAIL_SEND_RATE must be a positive whole number of emails per second, not "${raw}"`);
    }
    return rate;
  },
  /**
   * Days after a person leaves before HR may pseudonymise them (LEAVER_RETENTION_DAYS; default 730,
   * two years: long enough for a reference, an appeal or a claim, which the company's own policy
   * may set otherwise).
   */
  get leaverRetentionDays() {
    return wholeDays('LEAVER_RETENTION_DAYS', 730);
  },
  /** Days an outbox entry (ids only: the idempotency of one email) is kept (OUTBOX_RETENTION_DAYS; default 400). */
  get outboxRetentionDays() {
    return wholeDays('OUTBOX_RETENTION_DAYS', 400);
  },
  /**
   * Days after a cycle's close that its external reviewers' names and addresses are kept
   * (EXTERNAL_RETENTION_DAYS; default 30: long enough to follow up a bounce or a question).
   */
  get externalRetentionDays() {
    return wholeDays('EXTERNAL_RETENTION_DAYS', 30);
  },
  /**
   * Days a digest item is kept after its send time (DIGEST_RETENTION_DAYS; default 30): what was
   * folded into whose morning email, with its link's purpose; the email's text is never kept.
   */
  get digestRetentionDays() {
    return wholeDays('DIGEST_RETENTION_DAYS', 30);
  },
  /** Days an audit event is kept (AUDIT_RETENTION_DAYS; default 2,555, seven years). */
  get auditRetentionDays() {
    return wholeDays('AUDIT_RETENTION_DAYS', 2555);
  },
};

/** A whole number of days from the environment, or its default when unset. */
function wholeDays(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const days = Number(raw);
  if (!Number.isInteger(days) || days < 0)
    throw new Error(`${name} must be a whole number of days, not "${raw}"`);
  return days;
}
