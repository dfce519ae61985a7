import fc from 'fast-check';
import { expect } from 'vitest';
import type { Employee } from '../../domain/platform/table';
import type { FieldError, HttpResult } from '../../functions/shared/http';

/*
 * What the property tests (test/unit/*-properties.test.ts) generate and assert at every boundary:
 * hostile text and values, valid people, and the clear answer an HTTP boundary owes any input.
 */

/**
 * How many inputs each property runs: the suite's 10,000 and more, spread over the boundaries.
 * `GROWCYCLE_PROPERTY_RUNS=10` runs ten times as many, to search harder than `npm test` can afford.
 */
const scale = Number(process.env.GROWCYCLE_PROPERTY_RUNS ?? 1);
export const RUNS = { few: 50 * scale, some: 150 * scale, more: 600 * scale, many: 1_000 * scale } as const;

/** The issue's floor: inputs generated and checked per run of the suite, across every boundary. */
export const MIN_PROPERTY_RUNS = 10_000;

/**
 * The inputs each property file checks at the default scale, all its properties together (it.each
 * included), by file name: the setup (test/support/unit-setup.ts) counts them as they run and fails
 * a file that checks fewer, and test/unit/property-runs.test.ts holds their sum at MIN_PROPERTY_RUNS.
 */
export const PROPERTY_RUNS_BY_FILE: Readonly<Record<string, number>> = {
  'app-properties.test.ts': 1_700,
  'boundary-properties.test.ts': 4_750,
  'form-properties.test.ts': 2_800,
  'hr-api-properties.test.ts': 4_700,
  'hris.test.ts': 1_200,
};

/** Long enough for a property's runs on a busy machine: a limit against hanging, never a timing asserted. */
export const PROPERTY_TIMEOUT = 60_000 * scale;

/**
 * Text as people and other systems send it, at its worst: control characters, CR/LF, any code
 * point, decomposed accents, bidirectional overrides, broken percent escapes and quotes.
 */
export const hostileText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({
      unit: fc.constantFrom(
        '\r',
        '\n',
        '\0',
        '\u202e',
        '\u2028',
        'A\u030a',
        '%',
        '%E0%A4%A',
        '"',
        ',',
        '<',
        '&',
        'é',
      ),
      maxLength,
    }),
  );

/** Any JSON value, keys included, made of hostile text. */
export const anyJson = (): fc.Arbitrary<unknown> =>
  fc.jsonValue({
    maxDepth: 3,
    stringUnit: fc.oneof(fc.string({ unit: 'binary', maxLength: 1 }), fc.constantFrom('\r', '\n', '%')),
  });

/** An id the HR API accepts: 1-64 letters, digits, dot, dash or underscore. */
export const validId = (): fc.Arbitrary<string> => fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/);

const TIME_ZONES = ['UTC', 'Europe/Oslo', 'America/New_York', 'Asia/Kolkata', 'Australia/Adelaide'];

/** One line of text that names a person or a job: letters, with accents decomposed or not. */
const personText = (): fc.Arbitrary<string> =>
  fc
    .array(fc.constantFrom('Ada', 'Grace', 'Åse', 'A\u030ase', 'Zoë', 'O’Brien', 'Nguyễn', '李'), {
      minLength: 1,
      maxLength: 3,
    })
    .map((words) => words.join(' '));

/** A valid employee, as PUT /employees and the org import take one. */
export const validEmployee = (employeeId: fc.Arbitrary<string> = validId()): fc.Arbitrary<Employee> =>
  fc.record({
    employeeId,
    name: personText(),
    email: fc
      .tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,15}$/), fc.constantFrom('example.com', 'example.org'))
      .map(([local, domain]) => `${local}@${domain}`),
    title: personText(),
    level: fc.integer({ min: 0, max: 20 }),
    timeZone: fc.constantFrom(...TIME_ZONES),
    status: fc.constantFrom('active' as const, 'on-leave' as const, 'left' as const),
  });

export type Problem = { type: string; title: string; status: number; detail: string; errors?: FieldError[] };

/**
 * The answer any request is owed: never a 5xx; a refusal is an RFC 9457 problem whose detail says
 * what is wrong, and a 400 names each failing field in `errors` and in the detail.
 */
export const expectClearJsonAnswer = (result: HttpResult): Problem | undefined => {
  expect(result.statusCode, result.body).toBeLessThan(500);
  if ((result.statusCode ?? 0) < 400) return undefined;
  expect(result.headers?.['content-type']).toBe('application/problem+json');
  const problem = JSON.parse(result.body ?? '') as Problem;
  expect(problem.status).toBe(result.statusCode);
  expect(problem.detail.length).toBeGreaterThan(0);
  if (problem.status === 400) {
    expect(problem.errors?.length).toBeGreaterThan(0);
    for (const { field, message } of problem.errors ?? []) {
      expect(field.length).toBeGreaterThan(0);
      expect(message.length).toBeGreaterThan(0);
      expect(problem.detail).toContain(field);
    }
  }
  return problem;
};
