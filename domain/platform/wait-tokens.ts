import { InvokeCommand } from '@aws-sdk/client-lambda';
import * as z from 'zod';
import { lambda } from './clients';
import { config } from './config';
import { resumeTask, wakeTask } from './executions';
import { db } from './table';

/*
 * Where a waiting workflow's current task token is kept: one small item per wait, replaced on
 * every loop (the `waitToken` entity in ./table.ts). Whoever completes the wait writes its own state
 * first and reads the token after; whoever parks writes the token first and reads the state after.
 * Either way one of them sees the other, so a wait is never left parked on something already settled.
 */

export const requestWait = (requestId: string) => `request#${requestId}`;
export const calibrationWait = (cycleId: string, employeeId: string) =>
  `calibration#${cycleId}#${employeeId}`;
export const cycleWait = (cycleId: string) => `cycle#${cycleId}`;
/** A development plan's wait between check-ins, ended early when its last item ends. */
export const planWait = (planId: string) => `plan#${planId}`;

export const storeToken = async (waitId: string, taskToken: string): Promise<void> => {
  await db().waitToken.put({ waitId, taskToken }).go({ response: 'none' });
};

/** The current token of a wait, if a workflow ever parked on it. */
export const tokenOf = async (waitId: string): Promise<string | undefined> =>
  (await db().waitToken.get({ waitId }).go({ consistent: true })).data?.taskToken;

/** What the resume function is asked: complete a wait with this output, or wake it (`wake` is why). */
export const ResumeInput = z.union([
  z.object({ waitId: z.string().min(1), wake: z.string().min(1) }).strict(),
  z.object({ waitId: z.string().min(1), output: z.unknown() }).strict(),
]);
export type ResumeInput = z.infer<typeof ResumeInput>;

/**
 * The resume function's work: the wait's current token, read here, completed or woken. A wait no
 * workflow parked on, or whose token was replaced or timed out, is no error (false).
 */
export const answerWait = async (input: ResumeInput): Promise<{ resumed: boolean }> => {
  const token = await tokenOf(input.waitId);
  const resumed = 'wake' in input ? await wakeTask(token, input.wake) : await resumeTask(token, input.output);
  return { resumed };
};

/**
 * Completes a wait, or wakes it, through the resume function (functions/steps/resume.ts). IAM cannot
 * scope task-token actions to a state machine, so apart from the steps answering their own task's
 * token only that function holds them, and it answers only the tokens the project's workflows stored
 * in the table: the forms, the HR API and the app name a wait, never a token. Its errors come back
 * under their own names, so a caller (and a workflow's retry) sees a throttle as a throttle.
 */
const callResume = async (input: ResumeInput): Promise<boolean> => {
  const res = await lambda.send(
    new InvokeCommand({ FunctionName: config.resumeFunctionName, Payload: JSON.stringify(input) }),
  );
  const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
  const body = (text ? JSON.parse(text) : {}) as {
    resumed?: boolean;
    errorType?: string;
    errorMessage?: string;
  };
  if (res.FunctionError) {
    throw Object.assign(new Error(body.errorMessage ?? 'The resume function failed'), {
      name: body.errorType ?? 'ResumeFailed',
    });
  }
  return body.resumed === true;
};

export const resumeWait = (waitId: string, output: unknown): Promise<boolean> =>
  callResume({ waitId, output });
export const wakeWait = (waitId: string, cause: string): Promise<boolean> =>
  callResume({ waitId, wake: cause });
