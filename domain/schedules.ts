import { CreateScheduleCommand, DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { scheduler } from './clients';
import { config } from './config';

/*
 * A cycle scheduled for a later date starts from a one-time EventBridge Scheduler schedule rather
 * than an execution that sleeps until then: nothing runs (or can hit the one-year execution limit)
 * before the start, and cancelling a cycle that has not started deletes one schedule. The schedule
 * starts the execution through Scheduler's universal target, so the execution keeps its
 * deterministic name and a schedule that fires twice still starts one execution.
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

/** Creates the one-time schedule; one that already exists (a retried request) is left as it is. */
export const scheduleStart = async (s: StartSchedule): Promise<void> => {
  try {
    await scheduler.send(
      new CreateScheduleCommand({
        Name: s.name,
        GroupName: config.scheduleGroupName,
        ScheduleExpression: atExpression(s.at),
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        ClientToken: s.name,
        Target: {
          Arn: START_EXECUTION_TARGET,
          RoleArn: config.schedulerRoleArn,
          Input: JSON.stringify({
            StateMachineArn: s.stateMachineArn,
            Name: s.executionName,
            Input: JSON.stringify(s.input),
          }),
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ConflictException')) throw error;
  }
};

/** Deletes a schedule; one that already fired (and so deleted itself) or never existed is fine. */
export const unschedule = async (name: string): Promise<void> => {
  try {
    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: config.scheduleGroupName }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
  }
};
