import {
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  type CfnUserPoolClient,
  CfnUserPoolGroup,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke as ScheduledLambda } from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
} from 'aws-cdk-lib/aws-ses';
import type { Construct } from 'constructs';
import { MAX_LINK_DAYS } from '../domain/mail/link-lifetime';
import { EMPLOYEE_CLAIM, HR_GROUP } from '../domain/people/roles';
import { TABLE_KEYS } from '../domain/platform/table-keys';
import { AppraisalCycle } from '../workflows/appraisal-cycle';
import { DevelopmentPlan } from '../workflows/development-plan';
import { EmployeeReview } from '../workflows/employee-review';
import { FeedbackRequest } from '../workflows/feedback-request';
import { PlanItem } from '../workflows/plan-item';
import { grantFormsTableAccess, leadingKeys } from './forms-access';
import { GrowcycleFunction } from './function';
import { Operations } from './operations';

export type GrowcycleStackProps = StackProps & {
  /** Verified SES identity the emails come from. */
  senderAddress: string;
  /** Where escalations to HR and cycle reports go. */
  hrAddress: string;
  /** Public base URL of the form links; defaults to the HTTP API's own endpoint. */
  publicBaseUrl?: string;
  /** Emails per second across all functions; defaults to 14, SES's default sending quota. */
  emailSendRate?: number;
  /** The company's own email domains, never an external reviewer's; defaults to the sender address's. */
  companyDomains?: string[];
  /**
   * Retention in days (docs/security.md): before a leaver may be pseudonymised, of an outbox entry,
   * of an audit event. Each left out keeps the functions' default.
   */
  retentionDays?: {
    leaver?: number;
    outbox?: number;
    audit?: number;
    externalReviewers?: number;
    digests?: number;
  };
  /**
   * Each AWS SDK call an X-Ray subsegment (the Powertools Tracer, domain/platform/clients.ts), at a
   * cost of 20 to 40 ms on every cold start. Off by default: every invocation and every state
   * machine is traced all the same.
   */
  sdkTracing?: boolean;
  /** The managed login's domain prefix (`<prefix>.auth.<region>.amazoncognito.com`); defaults to growcycle-<account>. */
  signInDomainPrefix?: string;
};

const RETENTION_VARIABLES = {
  leaver: 'LEAVER_RETENTION_DAYS',
  outbox: 'OUTBOX_RETENTION_DAYS',
  audit: 'AUDIT_RETENTION_DAYS',
  externalReviewers: 'EXTERNAL_RETENTION_DAYS',
  digests: 'DIGEST_RETENTION_DAYS',
} as const;

/** The functions' retention settings, for the periods given. */
const retentionEnvironment = (days: GrowcycleStackProps['retentionDays'] = {}): Record<string, string> =>
  Object.fromEntries(
    Object.entries(RETENTION_VARIABLES).flatMap(([key, variable]) => {
      const value = days[key as keyof typeof RETENTION_VARIABLES];
      if (value === undefined) return [];
      if (!Number.isInteger(value) || value < 0)
        throw new Error(`retention of ${key} must be whole days, not ${value}`);
      return [[variable, String(value)]];
    }),
  );

/** The routes behind every email link: public, authorised by the link's own signature. */
export const FORM_ROUTES = ['GET /r/{requestId}', 'POST /r/{requestId}'];

/** The app's routes at the API's root: no JWT authorizer, the session cookie is their credential. */
export const APP_ROUTES: Array<[HttpMethod, string]> = [
  [HttpMethod.GET, '/'],
  [HttpMethod.GET, '/auth/sign-in'],
  [HttpMethod.GET, '/auth/callback'],
  [HttpMethod.POST, '/auth/sign-out'],
  [HttpMethod.GET, '/auth/config'],
  // HR: cycles, calibration and plans (functions/api/pages/hr-cycles.ts, hr-calibration.ts, hr-plans.ts)
  [HttpMethod.GET, '/hr/cycles'],
  [HttpMethod.GET, '/hr/cycles/{cycleId}'],
  [HttpMethod.POST, '/hr/cycles/{cycleId}/extend'],
  [HttpMethod.POST, '/hr/cycles/{cycleId}/reassign'],
  [HttpMethod.POST, '/hr/cycles/{cycleId}/participants'],
  [HttpMethod.POST, '/hr/cycles/{cycleId}/participants/remove'],
  [HttpMethod.POST, '/hr/cycles/{cycleId}/cancel'],
  [HttpMethod.POST, '/hr/cycles/{cycleId}/release'],
  [HttpMethod.GET, '/hr/cycles/{cycleId}/export'],
  [HttpMethod.GET, '/hr/cycles/{cycleId}/calibration'],
  [HttpMethod.POST, '/hr/cycles/{cycleId}/calibration'],
  [HttpMethod.GET, '/hr/plans'],
  [HttpMethod.GET, '/hr/plans/{planId}'],
  [HttpMethod.GET, '/me'],
  [HttpMethod.POST, '/me/goals/{goalId}/progress'],
  [HttpMethod.POST, '/me/aspiration'],
  [HttpMethod.GET, '/team'],
  [HttpMethod.GET, '/team/{employeeId}'],
  [HttpMethod.GET, '/feedback'],
  [HttpMethod.POST, '/feedback/ask'],
  [HttpMethod.POST, '/feedback/give'],
  [HttpMethod.GET, '/feedback/asks/{askId}'],
  [HttpMethod.GET, '/hr/people'],
  [HttpMethod.GET, '/hr/people/{employeeId}'],
  [HttpMethod.GET, '/hr/import'],
  [HttpMethod.POST, '/hr/import/preview'],
  [HttpMethod.POST, '/hr/import/apply'],
  [HttpMethod.GET, '/hr/catalog'],
  [HttpMethod.GET, '/hr/catalog/{kind}/{id}'],
  [HttpMethod.GET, '/hr/catalog/{kind}/{id}/emails'],
  [HttpMethod.GET, '/hr/audit'],
];

/** HR API routes, served by one function; each needs a Cognito JWT, and the function checks the role. */
export const HR_ROUTES: Array<[HttpMethod, string]> = [
  [HttpMethod.GET, '/audit'],
  [HttpMethod.GET, '/audit/{entityKey}'],
  [HttpMethod.GET, '/employees'],
  [HttpMethod.GET, '/employees/{employeeId}'],
  [HttpMethod.GET, '/employees/{employeeId}/goals'],
  [HttpMethod.GET, '/employees/{employeeId}/aspiration'],
  [HttpMethod.PUT, '/employees/{employeeId}/aspiration'],
  [HttpMethod.GET, '/employees/{employeeId}/reports'],
  [HttpMethod.GET, '/employees/{employeeId}/requests'],
  [HttpMethod.GET, '/employees/{employeeId}/export'],
  [HttpMethod.POST, '/employees/{employeeId}/pseudonymise'],
  [HttpMethod.GET, '/employees/{employeeId}/reviews'],
  [HttpMethod.POST, '/goals'],
  [HttpMethod.GET, '/goals/{goalId}'],
  [HttpMethod.PATCH, '/goals/{goalId}'],
  [HttpMethod.POST, '/goals/{goalId}/progress'],
  [HttpMethod.PUT, '/employees'],
  [HttpMethod.POST, '/org/import'],
  [HttpMethod.POST, '/org/import/preview'],
  [HttpMethod.GET, '/frameworks'],
  [HttpMethod.GET, '/frameworks/{frameworkId}/revisions'],
  [HttpMethod.GET, '/frameworks/{frameworkId}/revisions/{revision}'],
  [HttpMethod.GET, '/templates'],
  [HttpMethod.GET, '/templates/{templateId}/revisions'],
  [HttpMethod.GET, '/templates/{templateId}/revisions/{revision}'],
  [HttpMethod.GET, '/triggers'],
  [HttpMethod.GET, '/triggers/{triggerId}/revisions'],
  [HttpMethod.GET, '/triggers/{triggerId}/revisions/{revision}'],
  [HttpMethod.GET, '/plan-policies'],
  [HttpMethod.GET, '/plan-policies/{planPolicyId}/revisions'],
  [HttpMethod.GET, '/plan-policies/{planPolicyId}/revisions/{revision}'],
  [HttpMethod.PUT, '/frameworks/{frameworkId}'],
  [HttpMethod.GET, '/frameworks/{frameworkId}'],
  [HttpMethod.PUT, '/templates/{templateId}'],
  [HttpMethod.GET, '/templates/{templateId}'],
  [HttpMethod.PUT, '/triggers/{triggerId}'],
  [HttpMethod.GET, '/triggers/{triggerId}'],
  [HttpMethod.GET, '/cycles'],
  [HttpMethod.POST, '/cycles'],
  [HttpMethod.GET, '/cycles/{cycleId}'],
  [HttpMethod.GET, '/cycles/{cycleId}/calibration'],
  [HttpMethod.POST, '/cycles/{cycleId}/extend'],
  [HttpMethod.POST, '/cycles/{cycleId}/cancel'],
  [HttpMethod.GET, '/cycles/{cycleId}/export'],
  [HttpMethod.POST, '/cycles/{cycleId}/participants'],
  [HttpMethod.DELETE, '/cycles/{cycleId}/participants/{employeeId}'],
  [HttpMethod.GET, '/cycles/{cycleId}/reviews/{employeeId}'],
  [HttpMethod.POST, '/cycles/{cycleId}/reviews/{employeeId}/calibration'],
  [HttpMethod.POST, '/cycles/{cycleId}/reviews/{employeeId}/release'],
  [HttpMethod.POST, '/cycles/{cycleId}/release'],
  [HttpMethod.POST, '/requests/{requestId}/reassign'],
  [HttpMethod.POST, '/plans'],
  [HttpMethod.POST, '/plans/draft'],
  [HttpMethod.GET, '/plans'],
  [HttpMethod.GET, '/plans/{planId}'],
  [HttpMethod.POST, '/plans/{planId}/items'],
  [HttpMethod.PATCH, '/plans/{planId}/items/{itemId}'],
  [HttpMethod.POST, '/plans/{planId}/cancel'],
  [HttpMethod.PUT, '/plan-policies/{planPolicyId}'],
  [HttpMethod.GET, '/plan-policies/{planPolicyId}'],
  [HttpMethod.POST, '/feedback/requests'],
  [HttpMethod.GET, '/feedback/requests/{askId}'],
  [HttpMethod.POST, '/feedback/praise'],
  [HttpMethod.GET, '/employees/{employeeId}/feedback'],
  [HttpMethod.GET, '/employees/{employeeId}/feedback-requests'],
];

export class GrowcycleStack extends Stack {
  constructor(scope: Construct, id: string, props: GrowcycleStackProps) {
    super(scope, id, props);

    const table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Per-second email send counters (domain/mail/send-rate.ts) expire a day after their second, and
      // delivered digest items (domain/mail/digest.ts) a month after their send time.
      timeToLiveAttribute: 'expiresAt',
      globalSecondaryIndexes: [
        {
          indexName: TABLE_KEYS.gsi1.name,
          partitionKey: { name: TABLE_KEYS.gsi1.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE_KEYS.gsi1.sortKey, type: AttributeType.STRING },
        },
        {
          indexName: TABLE_KEYS.gsi2.name,
          partitionKey: { name: TABLE_KEYS.gsi2.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE_KEYS.gsi2.sortKey, type: AttributeType.STRING },
        },
        {
          indexName: TABLE_KEYS.gsi3.name,
          partitionKey: { name: TABLE_KEYS.gsi3.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE_KEYS.gsi3.sortKey, type: AttributeType.STRING },
        },
        {
          indexName: TABLE_KEYS.gsi4.name,
          partitionKey: { name: TABLE_KEYS.gsi4.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE_KEYS.gsi4.sortKey, type: AttributeType.STRING },
        },
      ],
    });

    const linkSecret = new Secret(this, 'LinkSecret', {
      description: 'HMAC key that signs the links in growcycle emails',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    // Every email goes out through this configuration set (the identity's default, so the mailer
    // names none); its bounces and complaints are published to the default event bus.
    const mail = new ConfigurationSet(this, 'Mail', {});
    mail.addEventDestination('MailEvents', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [EmailSendingEvent.SEND, EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    const sender = new EmailIdentity(this, 'Sender', {
      identity: Identity.email(props.senderAddress),
      configurationSet: mail,
    });
    const api = new HttpApi(this, 'Api', {
      createDefaultStage: false,
      description: 'growcycle forms and HR API',
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.THREE_MONTHS });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: api,
      autoDeploy: true,
      // Per route: each route of the HR API and the app may take this many requests a second.
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: { bind: () => ({ destinationArn: accessLogs.logGroupArn }) },
        // JSON, for Logs Insights; the route's key rather than the path, and no address or agent: the
        // log says what was asked and how it went, not who asked.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });

    const environment = {
      TABLE_NAME: table.tableName,
      SENDER_ADDRESS: props.senderAddress,
      HR_ADDRESS: props.hrAddress,
      PUBLIC_BASE_URL: props.publicBaseUrl ?? api.apiEndpoint,
      LINK_SECRET_ID: linkSecret.secretArn,
      EMAIL_SEND_RATE: String(props.emailSendRate ?? 14),
      ...(props.companyDomains?.length ? { COMPANY_DOMAINS: props.companyDomains.join(',') } : {}),
      ...retentionEnvironment(props.retentionDays),
    };
    const functions: GrowcycleFunction[] = [];
    const tableUsers = new Set<GrowcycleFunction>();
    const fn = (
      name: string,
      entry: string,
      extra: Record<string, string> = {},
      grantTable: (f: GrowcycleFunction) => void = (f) => {
        tableUsers.add(f);
        table.grantReadWriteData(f);
      },
    ) => {
      const f = new GrowcycleFunction(this, name, { entry, environment: { ...environment, ...extra } });
      functions.push(f);
      grantTable(f);
      return f;
    };
    const sends = (f: GrowcycleFunction) => {
      sender.grantSendEmail(f);
      // SES authorizes a send against the configuration set it goes through too.
      f.addToRolePolicy(
        new PolicyStatement({
          actions: ['ses:SendEmail'],
          resources: [
            this.formatArn({
              service: 'ses',
              resource: 'configuration-set',
              resourceName: mail.configurationSetName,
            }),
          ],
        }),
      );
      linkSecret.grantRead(f);
    };
    // IAM has no resource type for the task-token actions, so a grant of them names "*": only the
    // steps that answer the token of their own task (it is in their payload) and the resume function,
    // which answers those the table keeps, hold it.
    const resumers = new Set<GrowcycleFunction>();
    const resumes = (f: GrowcycleFunction) => {
      resumers.add(f);
      f.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: ['*'],
        }),
      );
    };
    // Every other function completes or wakes a wait through it (domain/platform/wait-tokens.ts): it
    // reads the wait's token itself, so a caller cannot have it answer any other token.
    const resume = new GrowcycleFunction(this, 'Resume', {
      entry: 'functions/steps/resume.ts',
      environment,
    });
    functions.push(resume);
    resume.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [table.tableArn],
        conditions: leadingKeys(['waitId']),
      }),
    );
    table.encryptionKey?.grantDecrypt(resume);
    resumes(resume);
    const resumesWaits = (f: GrowcycleFunction) => {
      resume.grantInvoke(f);
      f.addEnvironment('RESUME_FUNCTION_NAME', resume.functionName);
      Validations.of(f).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(resume.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: `${f.node.id} may invoke any published version of the resume function, and only that function.`,
      });
    };

    // The link key rotates as often as a link may live at most, so a key still verifies, as
    // AWSPREVIOUS, every link it signed (domain/mail/links.ts). Its function touches no table.
    const rotateLinkKey = new GrowcycleFunction(this, 'RotateLinkKey', {
      entry: 'functions/events/rotate-link-key.ts',
      environment: {},
    });
    functions.push(rotateLinkKey);
    linkSecret.addRotationSchedule('Rotation', {
      rotationLambda: rotateLinkKey,
      automaticallyAfter: Duration.days(MAX_LINK_DAYS),
      rotateImmediatelyOnUpdate: false,
    });

    // The alarms topic and the dead-letter queue of every asynchronous path (./operations.ts).
    const operations = new Operations(this, 'Operations');
    const region = Token.isUnresolved(this.region) ? '<AWS::Region>' : this.region;
    // One-time schedules live in this group: cycles scheduled for a later date start from one, with
    // this role, and each send time's digest delivery runs from one (domain/platform/schedules.ts,
    // domain/mail/digest.ts).
    const cycleStarts = new ScheduleGroup(this, 'CycleStarts', { removalPolicy: RemovalPolicy.DESTROY });
    const schedulerRole = new Role(this, 'CycleStartRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description:
        'Lets EventBridge Scheduler start appraisal cycles at their start date and deliver digests at each send time',
    });
    const schedulingEnv = {
      SCHEDULE_GROUP_NAME: cycleStarts.scheduleGroupName,
      SCHEDULER_ROLE_ARN: schedulerRole.roleArn,
      FAILED_INVOCATIONS_QUEUE_ARN: operations.failures.queueArn,
    };
    const schedulesCycles = (f: GrowcycleFunction) => {
      cycleStarts.grantWriteSchedules(f);
      cycleStarts.grantDeleteSchedules(f);
      schedulerRole.grantPassRole(f.grantPrincipal);
      Validations.of(f).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:${region}:<AWS::AccountId>:schedule/${cycleStarts.scheduleGroupName}/*]`,
        reason: 'Schedules are named per cycle and per send time; the grant covers only this group.',
      });
    };
    // The digest delivery: at each send time, one email per recipient for everything queued for them.
    const digests = new GrowcycleFunction(this, 'DeliverDigests', {
      entry: 'functions/steps/deliver-digests.ts',
      environment,
      // A send time's items go out at the send rate: thousands take minutes, not seconds.
      timeout: Duration.minutes(15),
    });
    functions.push(digests);
    tableUsers.add(digests);
    table.grantReadWriteData(digests);
    sends(digests);
    digests.grantInvoke(schedulerRole);
    Validations.of(schedulerRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(digests.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason:
        'The scheduler may invoke any published version of the digest delivery, and only that function.',
    });
    // The safety net under the send times' schedules (domain/mail/digest.ts sweepDigests): once a day,
    // after the night, a day and an hour back, so every send time is looked at on two days.
    new Schedule(this, 'DailyDigestSweep', {
      schedule: ScheduleExpression.cron({ minute: '30', hour: '4' }),
      description: 'Delivers the digests of any send time whose delivery never finished',
      target: new ScheduledLambda(digests, {
        input: ScheduleTargetInput.fromObject({ sweepHours: 25 }),
        deadLetterQueue: operations.failures,
        role: schedulerRole,
      }),
    });
    const queueingEnv = { ...schedulingEnv, DIGEST_FUNCTION_ARN: digests.functionArn };
    const humanStepFn = fn('HumanStep', 'functions/steps/human-step.ts', queueingEnv);
    schedulesCycles(humanStepFn);
    sends(humanStepFn);
    resumes(humanStepFn);
    resumesWaits(humanStepFn);
    const goalRound = fn('GoalRound', 'functions/steps/goal-round.ts');
    sends(goalRound);
    const awaitCalibration = fn('AwaitCalibration', 'functions/steps/await-calibration.ts');
    resumes(awaitCalibration);
    resumesWaits(awaitCalibration);
    // The catch of every workflow: records a failed step, tells HR, counts the failed part off its
    // cycle or plan (a review's end wakes the cycle; an item's, the plan).
    const recordFailure = fn('RecordFailure', 'functions/steps/record-failure.ts');
    sends(recordFailure);
    resumesWaits(recordFailure);
    const review = new EmployeeReview(this, 'EmployeeReview', {
      recordFailure,
      startReview: fn('StartReview', 'functions/steps/start-review.ts'),
      humanStep: humanStepFn,
      goalRound,
      awaitCalibration,
    });

    const launchReviews = fn('LaunchReviews', 'functions/steps/launch-reviews.ts', {
      REVIEW_STATE_MACHINE_ARN: review.stateMachine.stateMachineArn,
    });
    review.stateMachine.grantStartExecution(launchReviews);
    const awaitReviews = fn('AwaitReviews', 'functions/steps/await-reviews.ts');
    resumes(awaitReviews);
    resumesWaits(awaitReviews);
    const closeCycle = fn('CloseCycle', 'functions/steps/close-cycle.ts');
    sends(closeCycle);
    // Opening a recurring cycle schedules the next one of its series.
    const openCycle = fn('OpenCycle', 'functions/steps/open-cycle.ts', schedulingEnv);
    schedulesCycles(openCycle);
    const cycle = new AppraisalCycle(this, 'AppraisalCycle', {
      checkClose: fn('CheckClose', 'functions/steps/check-close.ts'),
      openCycle,
      launchReviews,
      awaitReviews,
      closeCycle,
      recordFailure,
    });

    const endPlanItem = fn('EndPlanItem', 'functions/steps/end-plan-item.ts');
    resumesWaits(endPlanItem);
    const planItem = new PlanItem(this, 'PlanItem', { humanStep: humanStepFn, endPlanItem, recordFailure });
    // The plan starts its items' follow-ups; HR adding an item starts one too.
    const followPlan = fn('FollowPlan', 'functions/steps/follow-plan.ts', {
      ...queueingEnv,
      PLAN_ITEM_STATE_MACHINE_ARN: planItem.stateMachine.stateMachineArn,
    });
    resumes(followPlan);
    resumesWaits(followPlan);
    // It opens check-ins and session questions: their emails are queued for the digest, like a human step's.
    schedulesCycles(followPlan);
    // The plan's end summary; HR told of a draft closed unagreed.
    sends(followPlan);
    planItem.stateMachine.grantStartExecution(followPlan);
    const plan = new DevelopmentPlan(this, 'DevelopmentPlan', {
      followPlan,
      humanStep: humanStepFn,
      recordFailure,
    });

    // An answer may queue a notice in someone's digest (a check-in's summary to the manager) or tell
    // HR of a blocked item at once.
    // Public: whoever holds a link reaches it, so it gets only the items a form needs (infra/forms-access.ts).
    const forms = fn('Forms', 'functions/api/forms.ts', queueingEnv, (f) => grantFormsTableAccess(table, f));
    linkSecret.grantRead(forms);
    resumesWaits(forms);
    schedulesCycles(forms);
    // An edit of a draft plan tells the other party at once, with their link.
    sends(forms);
    cycle.stateMachine.grantStartExecution(schedulerRole);

    // Once a day: per-person reviews whose day has come (end of probation and the like).
    const triggeredReviews = fn('StartTriggeredReviews', 'functions/steps/start-triggered-reviews.ts', {
      CYCLE_STATE_MACHINE_ARN: cycle.stateMachine.stateMachineArn,
      ...schedulingEnv,
    });
    cycle.stateMachine.grantStartExecution(triggeredReviews);
    schedulesCycles(triggeredReviews);
    new Schedule(this, 'DailyTriggeredReviews', {
      schedule: ScheduleExpression.cron({ minute: '0', hour: '5' }),
      description:
        'Starts the per-person reviews that review triggers select today; forgets external reviewers past their retention',
      target: new ScheduledLambda(triggeredReviews, {
        input: ScheduleTargetInput.fromObject({}),
        deadLetterQueue: operations.failures,
      }),
    });
    // The role Scheduler's Lambda target made for this schedule invokes that one function.
    for (const role of this.node.children.filter((c) => c.node.id.startsWith('SchedulerRoleForTarget')))
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(triggeredReviews.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason:
          'The daily trigger check may invoke any published version of its own function, and only that one.',
      });
    const feedback = new FeedbackRequest(this, 'FeedbackRequest', { humanStep: humanStepFn, recordFailure });
    const hrApiEnv = {
      CYCLE_STATE_MACHINE_ARN: cycle.stateMachine.stateMachineArn,
      PLAN_STATE_MACHINE_ARN: plan.stateMachine.stateMachineArn,
      PLAN_ITEM_STATE_MACHINE_ARN: planItem.stateMachine.stateMachineArn,
      REVIEW_STATE_MACHINE_ARN: review.stateMachine.stateMachineArn,
      FEEDBACK_STATE_MACHINE_ARN: feedback.stateMachine.stateMachineArn,
      // Praise reaches the person in their digest.
      ...queueingEnv,
    };
    /** What the HR API's routes do, for the HR API and for the app, whose pages act through the same routes. */
    const actsAsHrApi = (f: ReturnType<typeof fn>) => {
      schedulesCycles(f);
      // Calibrating or releasing a review resumes the review's workflow waiting on it.
      resumesWaits(f);
      review.stateMachine.grantStartExecution(f);
      // Cancelling a cycle stops its execution and every review's.
      cycle.stateMachine.grantExecution(f, 'states:StopExecution');
      review.stateMachine.grantExecution(f, 'states:StopExecution');
      Validations.of(f).acknowledge(
        ...[cycle.stateMachine, review.stateMachine].map((sm) => ({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${region}:<AWS::AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${this.getLogicalId(sm.node.defaultChild as CfnElement)}"}]}]}:*]`,
          reason:
            'Cancelling a cycle stops executions of this state machine only; their names are per cycle and review.',
        })),
      );
      cycle.stateMachine.grantStartExecution(f);
      plan.stateMachine.grantStartExecution(f);
      planItem.stateMachine.grantStartExecution(f);
      feedback.stateMachine.grantStartExecution(f);
      // HR reassigns a request: the new reviewer is emailed at once.
      sends(f);
    };
    const hrApi = fn('HrApi', 'functions/api/hr-api.ts', hrApiEnv);
    actsAsHrApi(hrApi);

    const sesEvents = fn('SesEvents', 'functions/events/ses-events.ts');
    sends(sesEvents);
    new Rule(this, 'SesMailEvents', {
      description:
        'Sends of growcycle mail (mark the outbox row sent), permanent bounces and complaints (flag the reviewer, tell HR)',
      eventPattern: {
        source: ['aws.ses'],
        detailType: ['Email Sent', 'Email Bounced', 'Email Complaint Received'],
        // SES tags every mail with the configuration set it went through: only ours, not the account's others.
        detail: { mail: { tags: { 'ses:configuration-set': [mail.configurationSetName] } } },
      },
      // A bounce can arrive before the outbox row names its message id: the handler fails and is retried.
      targets: [
        new LambdaFunction(sesEvents, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: operations.failures,
        }),
      ],
    });

    const health = new GrowcycleFunction(this, 'Health', {
      entry: 'functions/api/health.ts',
      environment: {},
    });

    // The public form routes answer anyone holding a link: a limit of their own, well below the
    // HR API's, so a flood of them cannot starve HR and the app (docs/guarantees.md: AWS WAF in front).
    (stage.node.defaultChild as CfnStage).routeSettings = Object.fromEntries(
      FORM_ROUTES.map((key) => [key, { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 }]),
    );
    // Each route open to callers without a Cognito token is acknowledged on itself, with why: a new
    // route without the JWT authorizer fails the build until it says so too.
    const openRoutes = (routes: HttpRoute[], reason: string) => {
      for (const route of routes) Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    };
    const formIntegration = new HttpLambdaIntegration('FormsIntegration', forms);
    openRoutes(
      api.addRoutes({
        path: '/r/{requestId}',
        methods: [HttpMethod.GET, HttpMethod.POST],
        integration: formIntegration,
      }),
      'A form link is authorized by the HMAC signature it carries, so its recipient needs no account.',
    );
    openRoutes(
      api.addRoutes({
        path: '/health',
        methods: [HttpMethod.GET],
        integration: new HttpLambdaIntegration('HealthIntegration', health),
      }),
      'The health check reads nothing and says only that the API answers.',
    );
    const hrIntegration = new HttpLambdaIntegration('HrIntegration', hrApi);
    const users = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      // Links a user to their employee record; set by HR when the user is created, never by the user.
      customAttributes: { [EMPLOYEE_CLAIM.replace('custom:', '')]: new StringAttribute({ mutable: false }) },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnUserPoolGroup(this, 'HrAdmins', {
      userPoolId: users.userPoolId,
      groupName: HR_GROUP,
      description: 'HR admins: everything',
    });
    // Managed login: Cognito's own sign-in pages (with the pool's MFA) for the app and the CLI.
    const signInDomain = users.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: props.signInDomainPrefix ?? `growcycle-${this.account}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    const appBase = props.publicBaseUrl ?? api.apiEndpoint;
    const codeFlow = (callbackUrls: string[], logoutUrls: string[]) => ({
      generateSecret: false,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls,
        logoutUrls,
      },
    });
    const appClient = users.addClient('AppClient', codeFlow([`${appBase}/auth/callback`], [`${appBase}/`]));
    // Left unset, Cognito would also allow SRP and custom auth to this client: refresh only.
    (appClient.node.defaultChild as CfnUserPoolClient).explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];
    // The CLI keeps SRP for scripts, and signs people in through the loopback redirect (RFC 8252).
    const cliClient = users.addClient('CliClient', {
      ...codeFlow(['http://127.0.0.1/callback'], ['http://127.0.0.1/']),
      authFlows: { userSrp: true },
    });
    for (const client of [appClient, cliClient]) {
      new CfnManagedLoginBranding(this, `${client.node.id}Branding`, {
        userPoolId: users.userPoolId,
        clientId: client.userPoolClientId,
        useCognitoProvidedValues: true,
      });
    }
    openRoutes(
      api.addRoutes({ path: '/openapi.json', methods: [HttpMethod.GET], integration: hrIntegration }),
      'The OpenAPI description of the HR API is public documentation; it holds no data.',
    );
    const jwt: IHttpRouteAuthorizer = new HttpUserPoolAuthorizer('HrAuthorizer', users, {
      userPoolClients: [cliClient, appClient],
    });
    for (const [method, path] of HR_ROUTES) {
      api.addRoutes({ path, methods: [method], integration: hrIntegration, authorizer: jwt });
    }
    const issuerUrl = `https://cognito-idp.${this.region}.${this.urlSuffix}/${users.userPoolId}`;
    const appFn = fn('App', 'functions/api/app.ts', {
      ...hrApiEnv,
      AUTH_ISSUER: issuerUrl,
      AUTH_JWKS_URL: `${issuerUrl}/.well-known/jwks.json`,
      AUTH_DOMAIN_URL: signInDomain.baseUrl(),
      AUTH_APP_CLIENT_ID: appClient.userPoolClientId,
      AUTH_CLI_CLIENT_ID: cliClient.userPoolClientId,
    });
    actsAsHrApi(appFn);
    const appIntegration = new HttpLambdaIntegration('AppIntegration', appFn);
    for (const [method, path] of APP_ROUTES) {
      openRoutes(
        api.addRoutes({ path, methods: [method], integration: appIntegration }),
        'An app page is authorized by the session cookie it checks; sign-in starts there.',
      );
    }
    new CfnOutput(this, 'UserPoolId', { value: users.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: cliClient.userPoolClientId });
    new CfnOutput(this, 'SignInDomain', { value: signInDomain.baseUrl() });

    operations.watch({
      functions: Object.fromEntries([...functions, health].map((f) => [f.node.id, f])),
      stateMachines: {
        AppraisalCycle: cycle.stateMachine,
        EmployeeReview: review.stateMachine,
        DevelopmentPlan: plan.stateMachine,
        PlanItem: planItem.stateMachine,
        FeedbackRequest: feedback.stateMachine,
      },
      // A send time's delivery, the SES events and the daily trigger check: nobody waits on them.
      invokedAsynchronously: [digests, sesEvents, triggeredReviews],
      httpApi: api,
    });
    this.acknowledgeFindings(table, [...functions, health], tableUsers, resumers, [
      cycle.stateMachine,
      review.stateMachine,
      plan.stateMachine,
      planItem.stateMachine,
      feedback.stateMachine,
    ]);

    if (props.sdkTracing) {
      for (const f of this.node.findAll()) {
        if (f instanceof GrowcycleFunction) f.addEnvironment('POWERTOOLS_TRACE_ENABLED', 'true');
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: api.apiEndpoint });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    // `growcycle redrive --queue-url` (docs/operations.md).
    new CfnOutput(this, 'FailedInvocationsQueueUrl', { value: operations.failures.queueUrl });
  }

  /**
   * Each acknowledgment is made on the one resource it is about, with its reason there, so a new
   * function or state machine with the same finding is not covered by accident.
   */
  private acknowledgeFindings(
    table: TableV2,
    functions: GrowcycleFunction[],
    tableUsers: ReadonlySet<GrowcycleFunction>,
    resumers: ReadonlySet<GrowcycleFunction>,
    stateMachines: Construct[],
  ): void {
    const tableArn = `<${this.getLogicalId(table.node.defaultChild as CfnElement)}.Arn>`;
    for (const f of functions) {
      Validations.of(f).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: `The AWS-managed basic execution role only lets ${f.node.id} write its own CloudWatch logs.`,
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: resumers.has(f)
            ? `${f.node.id} uploads X-Ray segments and answers task tokens (SendTaskSuccess/Failure): neither has resource-level scoping, as a task token names no ARN.`
            : `${f.node.id} uploads X-Ray segments, which have no resource-level scoping.`,
        },
        ...(tableUsers.has(f)
          ? [
              {
                id: `AwsSolutions-IAM5[Resource::${tableArn}/index/*]`,
                reason: `${f.node.id} queries the table's own secondary indexes; the wildcard covers only this table's.`,
              },
            ]
          : []),
      );
    }
    for (const machine of stateMachines)
      Validations.of(machine).acknowledge(
        ...functions.map((f) => ({
          id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(f.node.defaultChild as CfnElement)}.Arn>:*]`,
          reason: `${machine.node.id} may invoke any published version of its own step function ${f.node.id}.`,
        })),
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason: `${machine.node.id} uploads X-Ray traces and delivers its logs, neither of which has resource-level scoping.`,
        },
      );
  }
}
