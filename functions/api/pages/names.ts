import type { Principal } from '../../../domain/people/access';
import { callRoute } from '../hr-routes';

/*
 * People's names for a page that holds their ids, read through the HR API as the caller may read
 * them: an id the caller may not read, or that names nobody, stays an id.
 */

/** Names of the given employees, by id; at most `limit` are read, the rest show as ids. */
export const namesOf = async (
  caller: Principal,
  ids: Iterable<string | undefined>,
  limit = 100,
): Promise<(id: string | undefined) => string> => {
  const unique = [...new Set([...ids].filter((id): id is string => Boolean(id)))].slice(0, limit);
  const answers = await Promise.all(
    unique.map(async (employeeId) => {
      const answer = await callRoute('GET /employees/{employeeId}', caller, { path: { employeeId } });
      const name = (answer.body as { employee?: { name?: string } } | undefined)?.employee?.name;
      return [employeeId, answer.status === 200 && name ? name : employeeId] as const;
    }),
  );
  const names = new Map(answers);
  return (id) => (id ? (names.get(id) ?? id) : '');
};
