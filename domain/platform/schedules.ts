import { CreateScheduleCommand, DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { scheduler } from './clients';
import { config } from './config';

/*
 * One-time schedules. A cycle scheduled for a later date starts from a one-time EventBridge Scheduler schedule rather
 * than an execution that sleeps until then: nothing runs (or can hit the one-year execution limit)
 * before the start, and cancelling a cycle that has not started deletes one schedule. The schedule
 * starts the execution through Scheduler's universal target, so the execution keeps its
 * deterministic name and a schedule that fires twice still starts one execution. The digest
 * delivery at a send time (domain/mail/digest.ts) is the other kind: it invokes the function directly.
 */

/** Step Functions' StartExecution, called by Scheduler itself with the schedule's role. */
export const START_EXECUTION_TARGET = 'arn:aws:scheduler:::aws-sdk:sfn:startExecution';

export const cycleScheduleName = (cycleId: string): string => `cycle-${cycleId}`.slice(0, 64);

/** Scheduler's `at()` takes a wall-clock time without zone; the zone is given separately. */
const atExpression = (at: Date) => `at(${at.toISOString().slice(0, 19)})`;

export type StartSchedule = {
  name: string;
  at: Date;
  stateMachineArn: string;
  executionName: string;
  input: unknown;
};

/** Creates a one-time schedule; one that already exists (a retried request) is left as it is. */
const createOneTime = async (name: string, at: Date, target: { Arn: string; Input: string }) => {
  try {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: name,
        GroupName: config.scheduleGroupName,
        ScheduleExpression: atExpression(at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        ClientToken: name,
        Target: {
          ...target,
          RoleArn: config.schedulerRoleArn,
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
          // A cycle's start or a send time's delivery that still fails is kept, alarmed and redriven.
          DeadLetterConfig: { Arn: config.failedInvocationsQueueArn },
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConflictException')) throw error;
  }
};

export const scheduleStart = (s: StartSchedule): Promise<void> =>
  createOneTime(s.name, s.at, {
    Arn: START_EXECUTION_TARGET,
    Input: JSON.stringify({
      StateMachineArn: s.stateMachineArn,
      Name: s.executionName,
      Input: JSON.stringify(s.input),
    }),
  });

/** A one-time schedule that invokes a function (the digest delivery at a send time) with `input`. */
export const scheduleInvoke = (s: { name: string; at: Date; functionArn: string; input: unknown }) =>
  createOneTime(s.name, s.at, { Arn: s.functionArn, Input: JSON.stringify(s.input) });

/** Deletes a schedule; one that already fired (and so deleted itself) or never existed is fine. */
export const unschedule = async (name: string): Promise<void> => {
  try {
    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: config.scheduleGroupName }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
  }
};
