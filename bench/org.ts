/*
 * A deterministic organisation of any size for the bench: a CEO, then managers with 5 to 10 direct
 * reports each, filled level by level; every branch under one of the CEO's reports is a department,
 * and each department works in one of a few time zones. The same size always gives the same org.
 */

export type GeneratedPerson = {
  employeeId: string;
  managerId: string | undefined;
  level: number;
  department: string;
  timeZone: string;
  track: 'management' | 'individual contributor';
};

export const TIME_ZONES = [
  'Europe/Oslo',
  'America/New_York',
  'Asia/Tokyo',
  'Europe/London',
  'America/Los_Angeles',
];

/** A small seeded generator (mulberry32), so the org never changes between runs. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

export const personId = (i: number): string => `p${String(i).padStart(5, '0')}`;

export const generateOrg = (size: number, seed = 2027): GeneratedPerson[] => {
  if (size < 1) return [];
  const random = seeded(seed);
  const people: GeneratedPerson[] = [
    {
      employeeId: personId(0),
      managerId: undefined,
      level: 1,
      department: 'Executive',
      timeZone: TIME_ZONES[0] as string,
      track: 'management',
    },
  ];
  // Breadth first: the earliest people become managers, each taking 5 to 10 reports, until everyone
  // has a manager. The remainder is never left with fewer than 5 reports for the last manager.
  for (let managerIndex = 0; people.length < size; managerIndex++) {
    const manager = people[managerIndex] as GeneratedPerson;
    manager.track = 'management';
    const remaining = size - people.length;
    let reports = Math.min(5 + Math.floor(random() * 6), remaining);
    if (remaining - reports > 0 && remaining - reports < 5)
      reports = remaining <= 10 ? remaining : remaining - 5;
    for (let r = 0; r < reports; r++) {
      const index = people.length;
      const department = manager.level === 1 ? `Department ${r + 1}` : manager.department;
      const departmentNumber = Number(department.split(' ')[1] ?? 0);
      people.push({
        employeeId: personId(index),
        managerId: manager.employeeId,
        level: manager.level + 1,
        department,
        timeZone: TIME_ZONES[departmentNumber % TIME_ZONES.length] as string,
        track: 'individual contributor',
      });
    }
  }
  return people;
};

/** The organisation as the HRIS export `growcycle import-org` reads (CSV, CRLF, quoted names). */
export const orgCsv = (people: GeneratedPerson[]): string => {
  const lines = [
    'employee_id,name,email,manager_id,job_title,track,level,department,location,time_zone,start_date,status',
  ];
  for (const [i, p] of people.entries()) {
    lines.push(
      `${p.employeeId},"Person ${i}, Example",${p.employeeId}@example.com,${p.managerId ?? ''},Role ${p.level},${p.track},${p.level},${p.department},City,${p.timeZone},2020-01-01,active`,
    );
  }
  return `${lines.join('\r\n')}\r\n`;
};
