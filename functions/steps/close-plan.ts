import { z } from 'zod';
import { closePlan } from '../../domain/plans/plans';
import { step } from '../shared/middleware';

export const ClosePlanInput = z.object({ planId: z.string().min(1) });

export const handler = step(ClosePlanInput, ({ planId }) => closePlan(planId));
