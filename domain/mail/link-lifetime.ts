/*
 * How long an email link lives at most, apart from the link code so that the CDK app, which rotates
 * the key at the same interval (infra/stack.ts), reads it without loading any client.
 */

/**
 * A link expires with its request and never later than this many days after it was made. The key
 * rotates at the same interval, so a key stays current, then previous, for at least this long after
 * it signed a link; a request open longer is reached through the fresh link of its latest email.
 */
export const MAX_LINK_DAYS = 90;
