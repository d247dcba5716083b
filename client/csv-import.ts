/**
 * Longer than our ~400-line guide on purpose: one streaming pipeline (decode, split, map, validate), in order.
 *
 * Reading a CSV file for bulk enrolment (README "Nurture flows: campaigns and bulk enrolment",
 * "Importing a CSV file"): bytes → text → rows, streamed, never held whole.
 *
 * - Text: UTF-8 by default, checked strictly (a byte that is not valid UTF-8 refuses the file,
 *   naming the line and the byte — it is never stored as U+FFFD). Another encoding is named by the
 *   caller (`?encoding=` / `dealflow import --encoding`) and decoded by iconv-lite. A byte-order
 *   mark decides by itself (UTF-8, UTF-16LE, UTF-16BE), as in browsers.
 * - Lines: LF, CRLF and CR-only files (and mixtures) are read alike; every line break becomes one
 *   LF before parsing, so a row's line number is the line it starts on whatever the file's breaks
 *   and however many breaks its quoted cells hold. A break inside a quoted cell is read as a space.
 * - Delimiter: `,` `;` tab or `|`, detected from the header line (or named by the caller).
 * - Header: names match case-insensitively, ignoring spaces, `-`, `_` and `.`, with the aliases in
 *   HEADER_ALIASES; an unknown or repeated column refuses the file, naming it.
 * Every file-level problem is a CsvFileError (a ValidationError: 400, and the batch is discarded).
 */
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import { ValidationError } from '../store/request-errors';
import { leadInputSchema } from './lead-input';

/** One input row with the line it came from (CSV: the file's line it starts on; JSON: the element's position, from 1). */
export interface SourceRow {
  line: number;
  row?: Record<string, unknown>;
  /** the row could not be read at all (CSV syntax) */
  error?: string;
}

/** The CSV header's known columns: the lead input fields (README "Lead input"). */
const CSV_COLUMNS = Object.keys(leadInputSchema.shape);

/**
 * Other header names accepted for a field, in their matching form (lower case, without spaces,
 * `-`, `_` and `.`): "E-mail", "Email Address", "Full name", "Company name", "Organisation" …
 * Documented in README "Importing a CSV file".
 */
const HEADER_ALIASES: Readonly<Record<string, string>> = {
  emailaddress: 'email',
  mail: 'email',
  fullname: 'name',
  contactname: 'name',
  companyname: 'company',
  organisation: 'company',
  organization: 'company',
  organisationname: 'company',
  organizationname: 'company',
  jobtitle: 'title',
  phonenumber: 'phone',
  telephone: 'phone',
  leadid: 'id',
  timezone: 'timezone',
  dealvalue: 'value',
  tag: 'tags',
};

/** The delimiters a file may use, by the names `?delimiter=` / `--delimiter` also accept. */
const DELIMITERS: Readonly<Record<string, string>> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  '\t': '\t',
  tab: '\t',
  '|': '|',
  pipe: '|',
};
const CANDIDATES = [',', ';', '\t', '|'];
/** The header line must end within this many characters (it is read before parsing starts). */
const MAX_HEADER_CHARS = 64 * 1024;

export interface CsvReadOptions {
  /** an encoding name iconv-lite knows (`windows-1252`, `iso-8859-1`, `utf-16le`, …); default UTF-8 */
  encoding?: string;
  /** `,` `;` tab `|` (or comma, semicolon, tab, pipe); default: detected from the header line */
  delimiter?: string;
  /** how messages tell the user to name an encoding or delimiter: the route's query or the CLI's flags */
  via?: 'query' | 'cli';
}

/** A problem with the file as a whole: nothing of it is enrolled. */
class CsvFileError extends ValidationError {
  override name = 'CsvFileError';
  constructor(message: string, path = 'file') {
    super(message, [{ path, message }]);
  }
}

const DELIMITER_NAMES: Readonly<Record<string, string>> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };
const showDelimiter = (d: string) => (d === '\t' ? 'tab' : `"${d}"`);
/** How the user names an option: `?encoding=windows-1252` on the route, `--encoding windows-1252` in the CLI (delimiters by name). */
const flag = (via: CsvReadOptions['via'], what: 'encoding' | 'delimiter', value: string) => {
  const v = what === 'delimiter' ? DELIMITER_NAMES[value] : value;
  return via === 'cli' ? `--${what} ${v}` : `?${what}=${v}`;
};

/** The canonical delimiter for a name or character, or undefined when it is not one of DELIMITERS. */
export function delimiterFor(name: string): string | undefined {
  return DELIMITERS[name] ?? DELIMITERS[name.toLowerCase()];
}

/** True when the name is an encoding the importer can decode. */
export function encodingKnown(name: string): boolean {
  return name.length <= 64 && iconv.encodingExists(name);
}

const matchName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const isUtf8Name = (name: string) => matchName(name) === 'utf8';
/**
 * Labels read as Windows-1252, as browsers do (the WHATWG Encoding Standard): files called Latin-1
 * or ASCII are nearly always Windows-1252, whose 0x80–0x9F are letters and signs (€ ‚ “ ” …), not
 * the control characters ISO-8859-1 puts there.
 */
const WINDOWS_1252_LABELS = new Set([
  'latin1',
  'iso88591',
  'isoir100',
  'l1',
  'cp819',
  'ibm819',
  'ascii',
  'usascii',
  'iso646us',
  'cp1252',
  'windows1252',
  'xcp1252',
]);

/** The header name → the lead input field it means, or undefined. */
function headerField(name: string): string | undefined {
  const key = name
    .trim()
    .toLowerCase()
    .replace(/[\s_.-]+/g, '');
  if (CSV_COLUMNS.includes(key)) return key;
  return HEADER_ALIASES[key];
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode table
 * 3-7: no overlongs, no surrogates, nothing above U+10FFFF), or -1. A sequence cut off by the end
 * of `b` counts as bad; callers hold back an incomplete tail first (utf8CompleteLength).
 */
export function utf8ErrorAt(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i];
    if (c < 0x80) {
      i += 1;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** How many bytes of `b` end on a character boundary: an unfinished multi-byte sequence at the end waits for the next chunk. */
function utf8CompleteLength(b: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? b.length - k : b.length;
  }
  return b.length;
}

/**
 * The input's chunks. A stream is not destroyed when reading stops early (a refused file, the row
 * limit): the HTTP request must stay open for the answer.
 */
function chunksOf(input: Readable | AsyncIterable<Buffer | string>): AsyncIterable<Buffer | string> {
  return input instanceof Readable ? input.iterator({ destroyOnReturn: false }) : input;
}

/** Counts LFs in s. */
function countLf(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The file's text, chunk by chunk, with every line break (CRLF, CR, LF) turned into one LF and no
 * byte-order mark. Throws CsvFileError, naming the line, for a byte the encoding cannot decode or a
 * NUL character.
 */
export async function* decodeCsvText(
  input: AsyncIterable<Buffer | string>,
  o: CsvReadOptions = {},
): AsyncGenerator<string> {
  const via = o.via ?? 'query';
  if (o.encoding !== undefined && !encodingKnown(o.encoding)) {
    throw new CsvFileError(
      `unknown encoding "${o.encoding}" (for example utf-8, windows-1252, iso-8859-15, utf-16le)`,
      via === 'cli' ? '--encoding' : 'encoding',
    );
  }
  let line = 1; // the line the next emitted character is on
  let endedWithCr = false;
  const emit = (text: string): string => {
    let t = endedWithCr && text.startsWith('\n') ? text.slice(1) : text; // a CRLF split between chunks
    if (text !== '') endedWithCr = text.endsWith('\r');
    if (t === '') return t;
    t = t.replace(/\r\n?/g, '\n');
    const nul = t.indexOf('\0');
    if (nul !== -1) {
      throw new CsvFileError(
        `line ${line + countLf(t.slice(0, nul))}: a NUL character; the file looks like UTF-16 — pass ${flag(via, 'encoding', 'utf-16le')} if it is`,
      );
    }
    line += countLf(t);
    return t;
  };

  let started = false;
  let head: Buffer = Buffer.alloc(0);
  let mode: 'utf8' | 'iconv' = 'utf8';
  let decoder: ReturnType<typeof iconv.getDecoder> | undefined;
  let encodingName = 'UTF-8';
  let carry: Buffer = Buffer.alloc(0);

  const begin = (): Buffer => {
    // a byte-order mark decides the encoding; otherwise the caller's name, or UTF-8
    let b = head;
    let enc = o.encoding;
    if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      enc = 'utf-8';
      b = b.subarray(3);
    } else if (b[0] === 0xff && b[1] === 0xfe) enc = 'utf-16le';
    else if (b[0] === 0xfe && b[1] === 0xff) enc = 'utf-16be';
    if (enc === undefined || isUtf8Name(enc)) {
      mode = 'utf8';
    } else {
      mode = 'iconv';
      encodingName = WINDOWS_1252_LABELS.has(matchName(enc)) ? 'windows-1252' : enc;
      decoder = iconv.getDecoder(encodingName, { stripBOM: true });
    }
    started = true;
    return b;
  };

  const checkIconv = (text: string): string => {
    // iconv-lite decodes a byte the encoding does not define as U+FFFD: refuse, never store it
    const bad = text.indexOf('\uFFFD');
    if (bad === -1) return emit(text);
    emit(text.slice(0, bad)); // counts the lines before it
    throw new CsvFileError(
      `line ${line}: a byte that is not a character in ${encodingName}; check the file's encoding`,
    );
  };

  const utf8 = (b: Buffer, final: boolean): string => {
    const all = carry.length ? Buffer.concat([carry, b]) : b;
    const cut = final ? all.length : utf8CompleteLength(all);
    const body = all.subarray(0, cut);
    carry = Buffer.from(all.subarray(cut));
    if (isUtf8(body)) return emit(body.toString('utf8'));
    const at = utf8ErrorAt(body);
    emit(body.subarray(0, at).toString('utf8')); // counts the lines before the bad byte
    const byte = body[at].toString(16).toUpperCase().padStart(2, '0');
    const cutOff =
      final &&
      body[at] >= 0xc2 &&
      body[at] <= 0xf4 &&
      body.length - at <= 3 &&
      body.subarray(at + 1).every((c) => (c & 0xc0) === 0x80);
    const what = cutOff
      ? `the file ends inside a UTF-8 character (byte 0x${byte})`
      : `byte 0x${byte} is not valid UTF-8`;
    throw new CsvFileError(
      `line ${line}: ${what}; pass ${flag(via, 'encoding', 'windows-1252')} if the file is Windows-1252 (or name its encoding)`,
    );
  };

  for await (const chunk of chunksOf(input)) {
    let b: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (!started) {
      head = head.length ? Buffer.concat([head, b]) : b;
      if (head.length < 3) continue;
      b = begin();
    }
    const text = mode === 'utf8' ? utf8(b, false) : checkIconv(decoder!.write(b));
    if (text) yield text;
  }
  const last: Buffer = started ? Buffer.alloc(0) : begin(); // a file shorter than 3 bytes
  const rest = mode === 'utf8' ? utf8(last, true) : checkIconv(decoder!.write(last) + (decoder!.end() ?? ''));
  if (rest) yield rest;
}

/** The delimiter of a header line: the caller's, checked against the line, or the candidate it holds most of (outside quotes). */
export function detectDelimiter(header: string, o: CsvReadOptions = {}): string {
  const counts = new Map<string, number>(CANDIDATES.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  const found = [...counts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (o.delimiter !== undefined) {
    const d = delimiterFor(o.delimiter);
    if (!d)
      throw new CsvFileError(
        `unknown delimiter "${o.delimiter}" (one of , ; tab |)`,
        o.via === 'cli' ? '--delimiter' : 'delimiter',
      );
    if (!counts.get(d) && found.length) {
      throw new CsvFileError(
        `the header line is separated by ${showDelimiter(found[0][0])}, not ${showDelimiter(d)}; pass ${flag(o.via, 'delimiter', found[0][0])} or leave the delimiter out`,
        'header',
      );
    }
    return d;
  }
  if (found.length === 0) return ',';
  if (found.length > 1 && found[0][1] === found[1][1]) {
    throw new CsvFileError(
      `the header line holds ${found[0][1]} × ${showDelimiter(found[0][0])} and ${found[1][1]} × ${showDelimiter(found[1][0])}: name the delimiter with ${flag(o.via, 'delimiter', found[0][0])} or ${flag(o.via, 'delimiter', found[1][0])}`,
      'header',
    );
  }
  return found[0][0];
}

/** The header's names → the lead input fields; refuses unknown and repeated columns and a missing email column. */
export function headerColumns(header: string[]): string[] {
  const cols: string[] = [];
  const unknown: string[] = [];
  const first = new Map<string, string>();
  const problems: { path: string; message: string }[] = [];
  for (const raw of header) {
    const name = raw.trim();
    const field = headerField(name);
    if (!field) {
      unknown.push(name);
      problems.push({ path: `header.${name}`, message: 'unknown column' });
    } else if (first.has(field)) {
      problems.push({ path: `header.${name}`, message: `repeats column "${first.get(field)}" (both mean ${field})` });
    } else first.set(field, name);
    cols.push(field ?? name);
  }
  if (problems.length) {
    const msg = unknown.length
      ? `unknown CSV column(s): ${unknown.join(', ')} (known: ${CSV_COLUMNS.join(', ')}; aliases in the README)`
      : `repeated CSV column(s): ${problems.map((p) => `${p.path.slice(7)} ${p.message}`).join('; ')}`;
    throw new ValidationError(msg, problems);
  }
  if (!cols.includes('email'))
    throw new ValidationError('the CSV header has no "email" column', [
      { path: 'header.email', message: 'required column' },
    ]);
  return cols;
}

/**
 * Turns a CSV cell map into lead input: cells trimmed, a line break inside a cell read as a space,
 * empty cells absent, `value` a number, `tags` split on `;` or `|`.
 */
export function csvRecordToInput(rec: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(rec)) {
    const v = raw.replace(/[ \t]*[\r\n]+[ \t]*/g, ' ').trim();
    if (v === '') continue;
    if (k === 'value') out[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    else if (k === 'tags')
      out[k] = v
        .split(/[;|]/)
        .map((t) => t.trim())
        .filter(Boolean);
    else out[k] = v;
  }
  return out;
}

/** csv-parse's reason for a row it could not read, in the user's terms. */
function syntaxReason(err: CsvError & { lines?: number }): string {
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_COLUMNS':
      return `wrong number of columns: ${err.message.replace(/^Invalid Record Length: /, '').replace(/ on line \d+$/, '')}`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return `a quoted cell is never closed (the file ends inside it, at line ${err.lines})`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `a closing quote is not followed by the delimiter at line ${err.lines} (write a quote inside a quoted cell as "")`;
    case 'INVALID_OPENING_QUOTE':
      return `a quote inside an unquoted cell at line ${err.lines} (quote the whole cell and write the quote as "")`;
    default:
      return err.message;
  }
}

/**
 * Reads CSV rows from a byte stream with the line each starts on; a row that cannot be read
 * becomes an error row and reading goes on. Throws ValidationError (CsvFileError for the bytes,
 * encoding and delimiter) for a problem with the file as a whole.
 */
export async function* readCsv(
  input: Readable | AsyncIterable<Buffer | string>,
  o: CsvReadOptions = {},
): AsyncGenerator<SourceRow> {
  const text = decodeCsvText(input, o);
  // the header line first: it decides the delimiter
  let first = '';
  let done = false;
  while (!first.replace(/^\n+/, '').includes('\n')) {
    if (first.length > MAX_HEADER_CHARS)
      throw new CsvFileError(`the header line is longer than ${MAX_HEADER_CHARS} characters`, 'header');
    const next = await text.next();
    if (next.done) {
      done = true;
      break;
    }
    first += next.value;
  }
  const blankBefore = first.length - first.replace(/^\n+/, '').length;
  const headerLine = first.slice(blankBefore).split('\n', 1)[0];
  if (headerLine.trim() === '') throw new CsvFileError('the file is empty: no header line', 'header');
  const delimiter = detectDelimiter(headerLine, o);

  let lastEnd = blankBefore + 1; // the line the previous record (at first the header) ended on
  let lastEmpty = blankBefore; // csv-parse's count of skipped empty lines at that point
  const parser = parse({
    delimiter,
    record_delimiter: '\n',
    columns: headerColumns,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
  });
  // a row csv-parse could not read joins the records in the stream, in file order
  parser.on('skip', (err: CsvError & { lines?: number; record?: string[]; empty_lines?: number }) => {
    // a row with the wrong number of cells was read whole: it starts as many lines up as its cells hold breaks;
    // for a quote problem, the row starts after the previous row (and any empty lines)
    const line = err.record
      ? err.lines! - err.record.reduce((n, c) => n + countLf(c), 0)
      : lastEnd + 1 + (err.empty_lines ?? lastEmpty) - lastEmpty;
    if (err.record) {
      lastEnd = err.lines!;
      lastEmpty = err.empty_lines ?? lastEmpty;
    }
    parser.push({ skipped: { line, error: syntaxReason(err) } });
  });
  const feed = async function* () {
    yield first;
    if (!done) yield* text;
  };
  const source = Readable.from(feed(), { objectMode: false });
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const item of parser as AsyncIterable<
      { record: Record<string, string>; info: { lines: number; empty_lines: number } } | { skipped: SourceRow }
    >) {
      if ('skipped' in item) {
        yield item.skipped;
        continue;
      }
      // info.lines is the line the record ends on; every LF inside it is in a quoted cell
      const breaks = Object.values(item.record).reduce((n, c) => n + countLf(c), 0);
      lastEnd = item.info.lines;
      lastEmpty = item.info.empty_lines;
      yield { line: item.info.lines - breaks, row: csvRecordToInput(item.record) };
    }
  } finally {
    source.destroy();
    parser.destroy();
  }
}
