/**
 * Structured JSON logs, one line an event. Callers pass ids and outcomes only: never names, email
 * addresses, answers or tokens, which is why there is no "log the whole event" helper here.
 */
type Fields = Record<string, string | number | boolean | undefined>;

const write = (level: 'info' | 'warn' | 'error', message: string, fields: Fields) => {
  if (process.env.GROWCYCLE_LOG === 'silent') return;
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
};

export const logger = {
  info: (message: string, fields: Fields = {}) => write('info', message, fields),
  warn: (message: string, fields: Fields = {}) => write('warn', message, fields),
  error: (message: string, fields: Fields = {}) => write('error', message, fields),
};
