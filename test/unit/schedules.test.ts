import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startCycle } from '../../domain/cycles/schedule';
import {
  cycleScheduleName,
  START_EXECUTION_TARGET,
  scheduleStart,
  unschedule,
} from '../../domain/platform/schedules';
import { stubTestEnv, TEST_ENV } from '../support/unit-doubles';

const scheduler = mockClient(SchedulerClient);
const sfn = mockClient(SFNClient);
const NOW = new Date('2027-01-01T12:00:00Z');

beforeEach(() => {
  stubTestEnv();
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
});

afterEach(() => {
  scheduler.reset();
  sfn.reset();
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('startCycle', () => {
  it('starts a cycle due now at once, under its deterministic name, without a schedule', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:x' });

    // Act
    const name = await startCycle({ cycleId: 'c1', startAt: NOW.toISOString() });

    // Assess
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: TEST_ENV.CYCLE_STATE_MACHINE_ARN,
      name,
    });
    expect(scheduler).toHaveReceivedCommandTimes(CreateScheduleCommand, 0);
  });

  it('schedules a later cycle for its start date, to start the same execution then', async () => {
    // Prepare
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:s' });
    const startAt = '2027-02-01T08:00:00.000Z';

    // Act
    const name = await startCycle({ cycleId: 'c2', startAt });

    // Assess
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Name: cycleScheduleName('c2'),
      GroupName: TEST_ENV.SCHEDULE_GROUP_NAME,
      ScheduleExpression: 'at(2027-02-01T08:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: START_EXECUTION_TARGET,
        RoleArn: TEST_ENV.SCHEDULER_ROLE_ARN,
        DeadLetterConfig: { Arn: TEST_ENV.FAILED_INVOCATIONS_QUEUE_ARN },
      },
    });
    expect(JSON.parse(input?.Target?.Input ?? '{}')).toEqual({
      StateMachineArn: TEST_ENV.CYCLE_STATE_MACHINE_ARN,
      Name: name,
      Input: JSON.stringify({ cycleId: 'c2', startAt }),
    });
  });
});

describe('scheduleStart and unschedule', () => {
  const start = {
    name: 'cycle-c3',
    at: new Date('2027-03-01T07:30:00Z'),
    stateMachineArn: TEST_ENV.CYCLE_STATE_MACHINE_ARN,
    executionName: 'cycle-c3',
    input: { cycleId: 'c3' },
  };

  it('treats a schedule that already exists as done, so a retried request schedules once', async () => {
    scheduler
      .on(CreateScheduleCommand)
      .rejects(new ConflictException({ Message: 'exists', message: 'exists', $metadata: {} }));
    await expect(scheduleStart(start)).resolves.toBeUndefined();
  });

  it('passes any other Scheduler error on', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    await expect(scheduleStart(start)).rejects.toThrow('AccessDenied');
  });

  it('deletes a schedule, and finds nothing wrong when it already fired or never existed', async () => {
    scheduler
      .on(DeleteScheduleCommand)
      .resolvesOnce({})
      .rejectsOnce(new ResourceNotFoundException({ Message: 'gone', message: 'gone', $metadata: {} }));
    await unschedule('cycle-c3');
    await unschedule('cycle-c3');
    expect(scheduler).toHaveReceivedCommandWith(DeleteScheduleCommand, {
      Name: 'cycle-c3',
      GroupName: TEST_ENV.SCHEDULE_GROUP_NAME,
    });
  });
});
