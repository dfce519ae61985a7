/**
 * RFC 4180 CSV: quoted fields with embedded commas, quotes ("") and line breaks; CRLF or LF; an
 * optional UTF-8 byte-order mark. Returns records with the 1-based line each one starts on, so an
 * error can name the row a person sees in their spreadsheet.
 */
export type CsvRecord = { line: number; fields: string[] };

export class CsvError extends Error {
  override name = 'CsvError';
}

export const parseCsv = (input: string): CsvRecord[] => {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i += 1;
        continue;
      }
      if (c === '\n') line += 1;
      field += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new CsvError(`line ${line}: a quote inside an unquoted field`);
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 2;
      line += 1;
      recordLine = line;
      continue;
    } else if (c === '\n') {
      endRecord();
      line += 1;
      recordLine = line;
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) throw new CsvError(`line ${recordLine}: a quoted field is never closed`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
};

/** Parses CSV with a header row into objects keyed by the header's column names. */
export const parseCsvObjects = (input: string): Array<{ row: number; values: Record<string, string> }> => {
  const [header, ...records] = parseCsv(input);
  if (!header) return [];
  const columns = header.fields.map((c) => c.trim().toLowerCase());
  return records.map((r) => ({
    row: r.line,
    values: Object.fromEntries(columns.map((c, i) => [c, r.fields[i] ?? ''])),
  }));
};
