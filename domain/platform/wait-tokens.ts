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
