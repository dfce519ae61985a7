import { describe, expect, it } from 'vitest';
import { redrivableOf, START_EXECUTION, targetName } from '../../cli/redrive';
import { START_EXECUTION_TARGET } from '../../domain/platform/schedules';

const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:growcycle-DeliverDigests-AbC123';

describe('what a dead-letter message is sent back to', () => {
  it('a function’s on-failure record: its function, without the version, and its request payload', () => {
    const record = {
      version: '1.0',
      requestContext: { requestId: 'r', functionArn: `${arn}:$LATEST`, condition: 'RetriesExhausted' },
      requestPayload: { sendAt: '2027-01-04T08:00:00Z' },
      responsePayload: { errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' },
    };
    expect(redrivableOf({ Body: JSON.stringify(record) })).toEqual({
      functionName: 'growcycle-DeliverDigests-AbC123',
      payload: '{"sendAt":"2027-01-04T08:00:00Z"}',
      error: 'ThrottlingException',
    });
  });

  it('an event EventBridge or Scheduler could not deliver: the body, to the TARGET_ARN', () => {
    const body = '{"source":"aws.ses"}';
    expect(
      redrivableOf({
        Body: body,
        MessageAttributes: {
          TARGET_ARN: { DataType: 'String', StringValue: arn },
          ERROR_CODE: { DataType: 'String', StringValue: 'SDK_CLIENT_ERROR' },
        },
      }),
    ).toEqual({ functionName: 'growcycle-DeliverDigests-AbC123', payload: body, error: 'SDK_CLIENT_ERROR' });
  });

  it('a cycle’s start Scheduler could not make: the StartExecution request, named by its execution', () => {
    expect(START_EXECUTION).toBe(START_EXECUTION_TARGET);
    const start = {
      StateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:cycle',
      Name: 'cycle--c1',
      Input: '{"cycleId":"c1"}',
    };
    const target = redrivableOf({
      Body: JSON.stringify(start),
      MessageAttributes: {
        TARGET_ARN: { DataType: 'String', StringValue: START_EXECUTION_TARGET },
        ERROR_CODE: { DataType: 'String', StringValue: 'AWS.Scheduler.InternalServerError' },
      },
    });
    expect(target).toEqual({ start, error: 'AWS.Scheduler.InternalServerError' });
    expect(target && targetName(target)).toBe('start of cycle--c1');
    // A start request without its execution's name could start the cycle twice: left in the queue.
    const nameless = { ...start, Name: undefined };
    expect(
      redrivableOf({
        Body: JSON.stringify(nameless),
        MessageAttributes: { TARGET_ARN: { DataType: 'String', StringValue: START_EXECUTION_TARGET } },
      }),
    ).toBeUndefined();
  });

  it('nothing for a message of neither shape: not JSON, no target, or a target that is no function', () => {
    expect(redrivableOf({ Body: 'not json' })).toBeUndefined();
    expect(redrivableOf({ Body: '{"a":1}' })).toBeUndefined();
    expect(
      redrivableOf({
        Body: '{}',
        MessageAttributes: {
          TARGET_ARN: { DataType: 'String', StringValue: 'arn:aws:states:eu-west-1:1:stateMachine:x' },
        },
      }),
    ).toBeUndefined();
  });
});
