import * as z from 'zod';
import { advanceGoalSetting } from '../../domain/reviews/goal-setting';
import { step } from '../shared/middleware';

export const GoalRoundInput = z.object({ cycleId: z.string().min(1), employeeId: z.string().min(1) });

/** Opens the next goal-setting round, or says the phase is settled (approved, escalated to HR, expired). */
export const handler = step(GoalRoundInput, ({ cycleId, employeeId }) =>
  advanceGoalSetting(cycleId, employeeId),
);
