import { describe, expect, it } from 'vitest';
import { redrivableOf } from '../../cli/redrive';

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
