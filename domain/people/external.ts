import { config } from '../platform/config';
import { db } from '../platform/table';

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

// One message for both refusals, so the form does not tell a nominator which outside addresses
// belong to someone in the organisation.
export const COMPANY_ADDRESS_REFUSED =
  'An address of the company or of someone in it cannot be an external reviewer: choose the colleague from the organisation';

/**
 * The addresses among these that cannot be an external reviewer's: the company's own, and any an
 * employee holds (a contractor's outside address, a leaver's), found through the email index.
 */
export const insideAddresses = async (emails: readonly string[]): Promise<Set<string>> => {
  const normal = [...new Set(emails.map((e) => e.trim().toLowerCase()))];
  const held = await Promise.all(
    normal.map(async (email) => {
      if (isCompanyAddress(email)) return email;
      const { data } = await db().employee.query.byEmail({ email }).go({ limit: 1 });
      return data.length > 0 ? email : undefined;
    }),
  );
  return new Set(held.filter((e): e is string => e !== undefined));
};
