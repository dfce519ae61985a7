import * as z from 'zod';
import { closeCycle } from '../../domain/cycles/close';
import { step } from '../shared/middleware';

export const CloseCycleInput = z.object({ cycleId: z.string().min(1) });

export const handler = step(CloseCycleInput, ({ cycleId }) => closeCycle(cycleId));
