import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC_NAMES } from '../domain/platform/metrics';
import { POWERTOOLS_ENVIRONMENT } from './function';

export type OperationsProps = {
  /** Every function of the app, each alarmed on its errors. */
  functions: Record<string, IFunction>;
  /** Every state machine, each alarmed on its failed executions. */
  stateMachines: Record<string, StateMachine>;
  /** Functions invoked asynchronously (by a schedule, a rule, another function): failures kept. */
  invokedAsynchronously: IFunction[];
  /** The HTTP API: a route's unhandled error answers 500 and is no function error, so it is alarmed here. */
  httpApi: IHttpApi;
};

/** SES reviews an account at a 5% bounce rate and a 0.1% complaint rate: told well before either. */
export const SES_BOUNCE_RATE_ALARM = 0.02;
export const SES_COMPLAINT_RATE_ALARM = 0.0005;

const FIVE_MINUTES = Duration.minutes(5);

/**
 * What an operator watches. One SNS topic that every alarm tells (subscribe the on-call address to
 * it); one dead-letter queue that keeps every asynchronous invocation that failed all its retries
 * (a send time's digest delivery, the SES events, the daily trigger check), alarmed as soon as
 * anything lands in it; alarms on each state machine's failed executions, each function's errors,
 * the HTTP API's 5xx answers, the failures the functions log and handle, and SES's account-wide
 * bounce and complaint rates; and one dashboard with all of it.
 */
export class Operations extends Construct {
  readonly topic: Topic;
  readonly failures: Queue;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // CloudWatch publishes to an encrypted topic only with a key whose policy lets it: the AWS-managed
    // SNS key does not, so the topic has a key of its own.
    const key = new Key(this, 'AlarmsKey', {
      enableKeyRotation: true,
      description: 'Encrypts the growcycle alarms topic; CloudWatch may use it to publish',
    });
    key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    this.failures = new Queue(this, 'FailedInvocations', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const itself =
      'It is the dead-letter queue itself: Lambda destinations, the events rule and the daily schedule put what failed here.';
    Validations.of(this.failures).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: itself },
      { id: 'Serverless-SQSRedrivePolicy', reason: itself },
    );
  }

  /** Alarms on everything the app runs, its failed invocations kept, and the dashboard. */
  watch(props: OperationsProps): void {
    const asynchronous = new Set(props.invokedAsynchronously);
    for (const f of props.invokedAsynchronously)
      f.configureAsyncInvoke({ onFailure: new SqsDestination(this.failures), retryAttempts: 2 });
    for (const f of Object.values(props.functions))
      Validations.of(f).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: asynchronous.has(f)
          ? 'Invoked asynchronously: its on-failure destination is the dead-letter queue above, which keeps the error beside the event, as a DLQ does not.'
          : 'Invoked synchronously (API Gateway, Step Functions, Secrets Manager), whose caller sees and retries its errors; a DLQ serves asynchronous invocations only.',
      });

    const alarm = (name: string, metric: IMetric, threshold: number, description: string) => {
      const a = new Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };
    for (const [name, sm] of Object.entries(props.stateMachines))
      alarm(
        `${name}Failed`,
        sm.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
        `An execution of the ${name} workflow failed: its history in the Step Functions console says which step and why`,
      );
    for (const [name, f] of Object.entries(props.functions))
      alarm(
        `${name}Errors`,
        f.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        1,
        `The ${name} function failed; its log group has the request`,
      );
    alarm(
      'ApiServerErrors',
      props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      'The HTTP API answered 5xx: the problem+json names a correlation id, which the function’s log line carries',
    );
    alarm(
      'FailuresLogged',
      new Metric({
        namespace: POWERTOOLS_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE,
        metricName: 'Failures' satisfies (typeof METRIC_NAMES)[number],
        dimensionsMap: { service: POWERTOOLS_ENVIRONMENT.POWERTOOLS_SERVICE_NAME },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      }),
      1,
      'A function logged a failure it handled (an answer stored but its workflow not resumed, a step recorded as failed): Logs Insights on level ERROR finds it',
    );
    const waiting = this.failures.metricApproximateNumberOfMessagesVisible({
      period: FIVE_MINUTES,
      statistic: 'Maximum',
    });
    alarm(
      'FailedInvocationsWaiting',
      waiting,
      1,
      'An asynchronous invocation failed all its retries and waits in the dead-letter queue (docs/operations.md: redrive)',
    );
    const ses = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, period: Duration.hours(1), statistic: 'Maximum' });
    const bounces = ses('Reputation.BounceRate');
    const complaints = ses('Reputation.ComplaintRate');
    alarm('BounceRate', bounces, SES_BOUNCE_RATE_ALARM, 'SES bounce rate at 2% or above (SES reviews at 5%)');
    alarm(
      'ComplaintRate',
      complaints,
      SES_COMPLAINT_RATE_ALARM,
      'SES complaint rate at 0.05% or above (SES reviews at 0.1%)',
    );

    const sum = { period: FIVE_MINUTES, statistic: 'Sum' };
    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `growcycle-${Stack.of(this).stackName}`,
      defaultInterval: Duration.days(1),
    });
    dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
      new GraphWidget({
        title: 'Executions started and failed',
        left: Object.values(props.stateMachines).map((sm) => sm.metricStarted(sum)),
        right: Object.values(props.stateMachines).map((sm) => sm.metricFailed(sum)),
        width: 12,
      }),
      new GraphWidget({
        title: 'Function errors and throttles',
        left: Object.values(props.functions).map((f) => f.metricErrors(sum)),
        right: Object.values(props.functions).map((f) => f.metricThrottles(sum)),
        width: 12,
      }),
      new GraphWidget({
        title: 'Emails sent, bounced, complained of',
        left: ['Send', 'Bounce', 'Complaint'].map(
          (metricName) => new Metric({ namespace: 'AWS/SES', metricName, ...sum }),
        ),
        width: 12,
      }),
      new GraphWidget({
        title: 'Bounce and complaint rates; failed invocations waiting',
        left: [bounces, complaints],
        right: [waiting],
        width: 12,
      }),
      new GraphWidget({
        title: 'Emails sent, reminders, escalations, answers, failures (the functions’ own counts)',
        left: METRIC_NAMES.map(
          (metricName) =>
            new Metric({
              namespace: POWERTOOLS_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE,
              metricName,
              dimensionsMap: { service: POWERTOOLS_ENVIRONMENT.POWERTOOLS_SERVICE_NAME },
              ...sum,
            }),
        ),
        width: 24,
      }),
    );
  }
}
