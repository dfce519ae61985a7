import { config } from '../platform/config';

/*
 * Who may be asked as an external reviewer. Someone inside the company is a colleague, chosen from
 * the organisation where the rules for peers apply: as an "external" they could be an employee's
 * own second address, used to make up the anonymity threshold and read their own answers back.
 */

/** Whether an address is in one of the company's own domains (a subdomain counts). */
export const isCompanyAddress = (email: string): boolean => {
  const domain = email.trim().toLowerCase().split('@').pop() ?? '';
  return config.companyDomains.some((d) => domain === d || domain.endsWith(`.${d}`));
};

export const COMPANY_ADDRESS_REFUSED =
  'An address of the company’s own domains cannot be an external reviewer: choose the colleague from the organisation';
