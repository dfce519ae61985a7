import { z } from 'zod';
import { openCycle } from '../../domain/cycles';
import { step } from '../shared/middleware';

export const OpenCycleInput = z.object({ cycleId: z.string().min(1) });

export const handler = step(OpenCycleInput, ({ cycleId }) => openCycle(cycleId));
