import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv, parseCsvObjects } from '../../domain/people/csv';

describe('parseCsv', () => {
  it('reads CRLF and LF records alike, numbering each by the line it starts on', () => {
    expect(parseCsv('a,b\r\n1,2\n3,4\r\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 3, fields: ['3', '4'] },
    ]);
  });

  it('drops a UTF-8 byte-order mark so the first column keeps its name', () => {
    expect(parseCsvObjects('\uFEFFemployee_id,name\ne1,Ada\n')).toEqual([
      { row: 2, values: { employee_id: 'e1', name: 'Ada' } },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const records = parseCsv('id,name\r\n1,"O\'Brien, ""Liam"""\r\n2,"two\r\nlines"\r\n3,x\r\n');
    expect(records[1]?.fields).toEqual(['1', 'O\'Brien, "Liam"']);
    expect(records[2]?.fields).toEqual(['2', 'two\r\nlines']);
    expect(records[3]).toEqual({ line: 5, fields: ['3', 'x'] });
  });

  it('keeps empty fields and reads a last line without a line break', () => {
    expect(parseCsv('a,,c\n,,')).toEqual([
      { line: 1, fields: ['a', '', 'c'] },
      { line: 2, fields: ['', '', ''] },
    ]);
  });

  it('skips blank lines', () => {
    expect(parseCsv('a\n\n\nb\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: ['b'] },
    ]);
  });

  it('rejects a quoted field that is never closed, naming its line', () => {
    expect(() => parseCsv('a\n"open,b\n')).toThrow(new CsvError('line 2: a quoted field is never closed'));
  });

  it('rejects a quote in the middle of an unquoted field', () => {
    expect(() => parseCsv('ab"c\n')).toThrow(CsvError);
  });

  it('names columns case-insensitively and trims the header', () => {
    expect(parseCsvObjects(' Employee_ID , Name\ne1,Ada')[0]?.values).toEqual({
      employee_id: 'e1',
      name: 'Ada',
    });
  });
});
