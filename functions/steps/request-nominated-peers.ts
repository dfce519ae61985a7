import { z } from 'zod';
import { requestNominatedPeers } from '../../domain/nominations';
import { step } from '../shared/middleware';

export const RequestNominatedPeersInput = z.object({
  cycleId: z.string().min(1),
  employeeId: z.string().min(1),
});

export const handler = step(RequestNominatedPeersInput, ({ cycleId, employeeId }) =>
  requestNominatedPeers(cycleId, employeeId),
);
