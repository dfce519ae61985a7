import { Entity } from 'electrodb';
import { documentClient } from '../platform/clients';
import { config } from '../platform/config';
import { isConditionFailure } from '../platform/table';

/*
 * The email send rate, shared by every Lambda that sends: one counter per wall-clock second in the
 * table, incremented with a conditional write that refuses once the second's quota is taken. SES's
 * default quota is 14 emails a second; above it SES throttles, so we hold back before it does.
 * Counters expire through the table's TTL a day later.
 */

const COUNTER_TTL_SECONDS = 86_400;

const sendCounter = new Entity({
  model: { entity: 'emailRate', version: '1', service: 'growcycle' },
  attributes: {
    /** Epoch second the counter covers. */
    second: { type: 'number', required: true },
    sent: { type: 'number' },
    expiresAt: { type: 'number' },
  },
  indexes: {
    bySecond: { pk: { field: 'pk', composite: ['second'] }, sk: { field: 'sk', composite: [] } },
  },
});

let bound = false;
const counter = () => {
  if (!bound) {
    sendCounter.setTableName(config.tableName);
    sendCounter.setClient(documentClient);
    bound = true;
  }
  return sendCounter;
};

/**
 * Takes one send from the quota of the second `at` falls in. True when the email may go now; false
 * when that second's quota is used up, and the caller backs off and tries again.
 */
export const takeSendSlot = async (at: Date, rate = config.emailSendRate): Promise<boolean> => {
  const second = Math.floor(at.getTime() / 1000);
  try {
    await counter()
      .update({ second })
      .add({ sent: 1 })
      .set({ expiresAt: second + COUNTER_TTL_SECONDS })
      .where((a, op) => `(${op.notExists(a.sent)} OR ${op.lt(a.sent, rate)})`)
      .go({ response: 'none' });
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
};

/** How many emails the second (epoch seconds) has let through so far. */
export const sentInSecond = async (second: number): Promise<number> =>
  (await counter().get({ second }).go({ consistent: true })).data?.sent ?? 0;
