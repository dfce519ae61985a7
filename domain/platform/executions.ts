import { SendTaskFailureCommand, SendTaskSuccessCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfn } from './clients';

/*
 * Step Functions executions: starting one under a deterministic name once, and completing or waking
 * a task that waits for a token.
 */

const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * Completes a waiting task. A token that was replaced or timed out in the meantime is not an error:
 * the workflow's next wake-up reads the stored state and moves on by itself.
 */
export const resumeTask = async (taskToken: string | undefined, output: unknown): Promise<boolean> => {
  if (!taskToken) return false;
  try {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    return true;
  } catch (error) {
    if (error instanceof Error && GONE.has(error.name)) return false;
    throw error;
  }
};

/**
 * The error a human step's wait catches like its timeout (workflows/human-step.ts): "wake up now and
 * read the request", sent when something outside changes what the step should do now.
 */
export const WAKE_ERROR = 'Wake';

/**
 * Wakes a waiting human step at once (a change from outside, such as results being released), as
 * if its timeout had come: the step reads its request afresh. A replaced or finished token is ignored.
 */
export const wakeTask = async (taskToken: string | undefined, cause: string): Promise<boolean> => {
  if (!taskToken) return false;
  try {
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: WAKE_ERROR, cause }));
    return true;
  } catch (error) {
    if (error instanceof Error && GONE.has(error.name)) return false;
    throw error;
  }
};

/** Starts an execution under a deterministic name; starting the same one twice starts it once. */
export const startOnce = async (stateMachineArn: string, name: string, input: unknown): Promise<void> => {
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionAlreadyExists') return;
    throw error;
  }
};
