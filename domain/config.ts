/**
 * Configuration is read from the environment once per container. A missing variable fails at the
 * first read with its name, so a mis-wired function fails loudly instead of half-working.
 */
const required = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
};

export const config = {
  get tableName() {
    return required('TABLE_NAME');
  },
  get senderAddress() {
    return required('SENDER_ADDRESS');
  },
  get publicBaseUrl() {
    return required('PUBLIC_BASE_URL').replace(/\/$/, '');
  },
  get linkSecretId() {
    return required('LINK_SECRET_ID');
  },
  get reviewStateMachineArn() {
    return required('REVIEW_STATE_MACHINE_ARN');
  },
  get cycleStateMachineArn() {
    return required('CYCLE_STATE_MACHINE_ARN');
  },
  get planStateMachineArn() {
    return required('PLAN_STATE_MACHINE_ARN');
  },
  get scheduleGroupName() {
    return required('SCHEDULE_GROUP_NAME');
  },
  get schedulerRoleArn() {
    return required('SCHEDULER_ROLE_ARN');
  },
  get hrAddress() {
    return required('HR_ADDRESS');
  },
};
