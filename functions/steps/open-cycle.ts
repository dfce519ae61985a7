import * as z from 'zod';
import { scheduleNextInSeries } from '../../domain/cycles/recurrence';
import { openCycle } from '../../domain/cycles/schedule';
import { step } from '../shared/middleware';

export const OpenCycleInput = z.object({
  cycleId: z.string().min(1),
  /** The cycle's own state machine ($$.StateMachine.Id), which the next cycle of a series starts on. */
  stateMachineArn: z.string().startsWith('arn:'),
});

export const handler = step(OpenCycleInput, async ({ cycleId, stateMachineArn }) => {
  await openCycle(cycleId);
  const nextCycleId = await scheduleNextInSeries(cycleId, stateMachineArn);
  return nextCycleId ? { cycleId, nextCycleId } : { cycleId };
});
