import * as z from 'zod';
import { armCalibration } from '../../domain/reviews/calibration';
import { step } from '../shared/middleware';

export const AwaitCalibrationInput = z.object({
  cycleId: z.string().min(1),
  employeeId: z.string().min(1),
  taskToken: z.string().min(1),
});

/** The review's wait on HR's calibration: parked until HR calibrates it or the calibration date. */
export const handler = step(AwaitCalibrationInput, async (input) => {
  await armCalibration(input.cycleId, input.employeeId, input.taskToken);
  return { armed: true };
});
