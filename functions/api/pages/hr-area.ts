import { hrCalibrationPages } from './hr-calibration';
import { hrCyclePages } from './hr-cycles';
import { hrPlanPages } from './hr-plans';
import type { Pages } from './shell';

/* HR's console for cycles, calibration and development plans: its pages and actions, gathered. */

export const hrCyclesArea: Pages = { ...hrCyclePages, ...hrCalibrationPages, ...hrPlanPages };
