import { db } from '../platform/table';
import { EMPLOYEE_CLAIM, HR_GROUP } from './roles';

/*
 * Who is calling, and what they may do. The API's JWT authorizer (Cognito on AWS, the local dev
 * issuer locally) has already checked the token; its claims name the employee and their groups.
 * Roles: HR admins may do everything; a manager reads their whole reporting line and acts on their
 * direct reports; everyone else sees only themselves. Manager rights come from the org chart, not
 * from a group, so they follow the organisation as it changes.
 */

export { EMPLOYEE_CLAIM, HR_GROUP } from './roles';

export type Principal = { employeeId: string; hr: boolean };

type Claims = Record<string, string | number | boolean | string[] | undefined>;

/** Groups arrive as an array, or (HTTP API JWT authorizer) as a string such as "[hr-admin manager]". */
export const groupsOf = (claim: Claims[string]): string[] => {
  if (Array.isArray(claim)) return claim.map(String);
  if (typeof claim !== 'string') return [];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
};

export const principalFrom = (claims: Claims | undefined): Principal | undefined => {
  const employeeId = claims?.[EMPLOYEE_CLAIM];
  if (typeof employeeId !== 'string' || employeeId === '') return undefined;
  return { employeeId, hr: groupsOf(claims?.['cognito:groups']).includes(HR_GROUP) };
};

const MAX_DEPTH = 50;

/** The managers above an employee, nearest first. */
export const managersAbove = async (employeeId: string): Promise<string[]> => {
  const chain: string[] = [];
  let current = (await db().employee.get({ employeeId }).go()).data;
  while (current?.managerId && chain.length < MAX_DEPTH && !chain.includes(current.managerId)) {
    chain.push(current.managerId);
    current = (await db().employee.get({ employeeId: current.managerId }).go()).data;
  }
  return chain;
};

export type Access = 'hr' | 'self' | 'direct-manager' | 'reporting-line' | 'none';

/** How the caller relates to an employee, the strongest relation first. */
export const accessTo = async (principal: Principal, employeeId: string): Promise<Access> => {
  if (principal.hr) return 'hr';
  if (principal.employeeId === employeeId) return 'self';
  const above = await managersAbove(employeeId);
  if (above[0] === principal.employeeId) return 'direct-manager';
  return above.includes(principal.employeeId) ? 'reporting-line' : 'none';
};

/** May read this employee's records: HR, themselves, or anyone above them. */
export const canRead = (access: Access): boolean => access !== 'none';

/** May act on this employee's records (e.g. set a development plan): HR or their direct manager. */
export const canActOn = (access: Access): boolean => access === 'hr' || access === 'direct-manager';

/** May set and change this person's goals: themselves, their direct manager, or HR. */
export const maySetGoals = (access: Access): boolean =>
  access === 'hr' || access === 'self' || access === 'direct-manager';

/** May set this person's career aspiration: like their goals, themselves, their direct manager, or HR. */
export const maySetAspiration = maySetGoals;
