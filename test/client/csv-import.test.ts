/**
 * Reading a CSV file for bulk enrolment (client/csv-import.ts, README "Importing a CSV file"):
 * the line each row starts on for LF, CRLF and CR-only files with breaks in several cells (and a
 * BOM), at any chunk size; strict UTF-8 (refused naming line and byte) or a named encoding;
 * delimiter detection; header aliases; and the lead schema refusing text that already holds U+FFFD.
 */
import { Readable } from 'node:stream';
import {
  decodeCsvText,
  detectDelimiter,
  headerColumns,
  readCsv,
  utf8ErrorAt,
  type CsvReadOptions,
  type SourceRow,
} from '../../client/csv-import';
import { campaignInputSchema } from '../../client/campaigns';
import { leadInputSchema } from '../../client/lead-input';

/** Feeds the bytes in pieces of `size` (1 = every byte its own chunk: breaks, CRLFs and characters split everywhere). */
async function rows(data: string | Buffer, o: CsvReadOptions = {}, size = 7): Promise<SourceRow[]> {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const pieces: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) pieces.push(buf.subarray(i, i + size));
  const out: SourceRow[] = [];
  for await (const r of readCsv(Readable.from(pieces), o)) out.push(r);
  return out;
}

// the issue's input (a): a company cell that holds a CRLF, then a bad row
const ISSUE_A =
  'email,name,company,team\r\nroya3.a@example.org,Roya A,"Atlas\r\nLogistics",alpha\r\nnot-an-email,Bad Row,X,alpha\r\n';

test("the issue's CRLF file: the good row starts at line 2, the bad one at line 4; the cell's break reads as a space", async () => {
  for (const size of [1, 2, 3, 1000]) {
    expect(await rows(ISSUE_A, {}, size)).toEqual([
      { line: 2, row: { email: 'roya3.a@example.org', name: 'Roya A', company: 'Atlas Logistics', team: 'alpha' } },
      { line: 4, row: { email: 'not-an-email', name: 'Bad Row', company: 'X', team: 'alpha' } },
    ]);
  }
});

/**
 * One file written with `br` as its line break: blank lines, rows whose quoted cells hold one, two
 * and three breaks (and a blank line inside a cell), a row with too few cells after a multi-line
 * cell, and a last row without a final break. `lines` is where each row starts.
 */
function matrixFile(br: string, bom: boolean): string {
  const lines = [
    'email,name,company,title', //                                   1
    'a@x.test,A,"Atlas', //                                          2  (a: 2 lines)
    'Logistics",CEO',
    '', //                                                           4  blank
    'b@x.test,"B', //                                                5  (b: 4 lines, breaks in two cells)
    'Bee","Bee',
    '',
    'Co",CTO',
    'c@x.test,C,,', //                                               9
    'd@x.test,"D', //                                                10 (d: too few cells, 2 lines)
    'Dee"',
    '', //                                                           12 blank
    '', //                                                           13 blank
    'e@x.test,E,"E', //                                              14 (e: 3 lines, no final break)
    'E',
    'E",Boss',
  ];
  return (bom ? '\uFEFF' : '') + lines.join(br);
}

describe.each([
  ['LF', '\n'],
  ['CRLF', '\r\n'],
  ['CR', '\r'],
])('%s file', (_name, br) => {
  test.each([
    [false, 1],
    [false, 5],
    [true, 1],
    [true, 64 * 1024],
  ])('bom %s, chunks of %i bytes: every row carries the line it starts on', async (bom, size) => {
    const got = await rows(matrixFile(br, bom), {}, size);
    expect(got).toEqual([
      { line: 2, row: { email: 'a@x.test', name: 'A', company: 'Atlas Logistics', title: 'CEO' } },
      { line: 5, row: { email: 'b@x.test', name: 'B Bee', company: 'Bee Co', title: 'CTO' } },
      { line: 9, row: { email: 'c@x.test', name: 'C' } },
      { line: 10, error: 'wrong number of columns: columns length is 4, got 2' },
      { line: 14, row: { email: 'e@x.test', name: 'E', company: 'E E E', title: 'Boss' } },
    ]);
  });
});

test('mixed line breaks in one file, and an unclosed quote reported at the line its row starts on', async () => {
  expect(await rows('email,name\r\na@x.test,A\nb@x.test,"B\r\rB"\rc@x.test,"never closed\r\nmore\n')).toEqual([
    { line: 2, row: { email: 'a@x.test', name: 'A' } },
    { line: 3, row: { email: 'b@x.test', name: 'B B' } },
    { line: 6, error: 'a quoted cell is never closed (the file ends inside it, at line 7)' },
  ]);
});

// the issue's input (b): Windows-1252 bytes
const ISSUE_B = Buffer.concat([
  Buffer.from('email,name,company\r\nbjorn@example.org,'),
  Buffer.from('Bj\xf6rn S\xf8rensen,K\xf8benhavn ApS\r\n', 'latin1'),
]);

test("the issue's Windows-1252 file: refused as UTF-8 naming line and byte; read with encoding windows-1252", async () => {
  await expect(rows(ISSUE_B)).rejects.toMatchObject({
    name: 'CsvFileError',
    message:
      'line 2: byte 0xF6 is not valid UTF-8; pass ?encoding=windows-1252 if the file is Windows-1252 (or name its encoding)',
  });
  await expect(rows(ISSUE_B, { via: 'cli' }, 1)).rejects.toThrow(
    'line 2: byte 0xF6 is not valid UTF-8; pass --encoding windows-1252',
  );
  for (const encoding of ['windows-1252', 'cp1252', 'Windows-1252', 'latin1', 'ISO-8859-1']) {
    expect(await rows(ISSUE_B, { encoding }, 3)).toEqual([
      { line: 2, row: { email: 'bjorn@example.org', name: 'Björn Sørensen', company: 'København ApS' } },
    ]);
  }
});

test('UTF-8 is checked strictly, across chunk borders; a bad byte late in the file names its line', async () => {
  const good = 'email,name\nb@x.test,Björn Sørensen 日本 😀\n';
  for (const size of [1, 2, 3])
    expect(await rows(good, {}, size)).toEqual([
      { line: 2, row: { email: 'b@x.test', name: 'Björn Sørensen 日本 😀' } },
    ]);
  const many = ['email,name', ...Array.from({ length: 999 }, (_, i) => `r${i}@x.test,R ${i}`)].join('\r\n');
  await expect(
    rows(Buffer.concat([Buffer.from(many + '\r\nlast@x.test,'), Buffer.from([0xc3, 0x28]), Buffer.from('\r\n')])),
  ).rejects.toThrow(/^line 1001: byte 0xC3 is not valid UTF-8/);
  // overlong, surrogate, above U+10FFFF, a stray continuation byte; a character cut off by the end of the file
  expect(
    [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0x41, 0x80],
    ].map((b) => utf8ErrorAt(Uint8Array.from(b))),
  ).toEqual([0, 0, 0, 1]);
  expect(utf8ErrorAt(Buffer.from('ok ✓ 😀'))).toBe(-1);
  await expect(rows(Buffer.concat([Buffer.from('email\na@x.test'), Buffer.from([0xe6, 0x97])]))).rejects.toThrow(
    'line 2: the file ends inside a UTF-8 character (byte 0xE6)',
  );
});

test('a file labelled Latin-1 is read as Windows-1252, as browsers do: its curly quotes and € are letters, not control characters', async () => {
  const file = Buffer.from('email,name,company\na@x.test,\x93Ann\x94 \x80,Caf\xe9\n', 'latin1');
  expect(await rows(file, { encoding: 'iso-8859-1' })).toEqual([
    { line: 2, row: { email: 'a@x.test', name: '“Ann” €', company: 'Café' } },
  ]);
  expect(await rows(Buffer.from('email,name\na@x.test,\xc5se\n', 'latin1'), { encoding: 'iso-8859-15' })).toEqual([
    { line: 2, row: { email: 'a@x.test', name: 'Åse' } },
  ]);
});

test('a named encoding never yields U+FFFD: a byte it does not define refuses the file; an unknown name is refused', async () => {
  await expect(
    rows(Buffer.from('email,name\n\na@x.test,\x81\n', 'latin1'), { encoding: 'windows-1252' }),
  ).rejects.toThrow("line 3: a byte that is not a character in windows-1252; check the file's encoding");
  await expect(rows('email\n', { encoding: 'klingon' })).rejects.toMatchObject({
    details: [{ path: 'encoding', message: expect.stringContaining('unknown encoding "klingon"') }],
  });
  await expect(rows('email\n', { encoding: 'klingon', via: 'cli' })).rejects.toMatchObject({
    details: [{ path: '--encoding' }],
  });
});

test('a byte-order mark decides: UTF-8 BOM, UTF-16LE and UTF-16BE (Excel "Unicode text", tab-separated); UTF-16 without one is named', async () => {
  const text = 'email\tname\r\nb@x.test\tBjörn\r\n';
  const want = [{ line: 2, row: { email: 'b@x.test', name: 'Björn' } }];
  expect(await rows(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), {}, 1)).toEqual(want);
  expect(await rows(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), {}, 1)).toEqual(want);
  expect(await rows(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]), {}, 3)).toEqual(
    want,
  );
  expect(await rows(Buffer.from(text, 'utf16le'), { encoding: 'utf-16le' })).toEqual(want);
  await expect(rows(Buffer.from(text, 'utf16le'))).rejects.toThrow(
    'line 1: a NUL character; the file looks like UTF-16 — pass ?encoding=utf-16le if it is',
  );
});

test('line breaks become one LF each, also when a CRLF is split between chunks', async () => {
  const out: string[] = [];
  for await (const t of decodeCsvText(
    Readable.from([Buffer.from('a\r'), Buffer.from('\n'), Buffer.from('\n'), Buffer.from('b\r'), Buffer.from('\rc')]),
  ))
    out.push(t);
  expect(out.join('')).toBe('a\n\nb\n\nc');
});

test('delimiters: detected from the header line (comma, semicolon, tab, pipe), or named; a mismatch or a tie is refused naming them', async () => {
  expect(detectDelimiter('email,name')).toBe(',');
  expect(detectDelimiter('email;name;company')).toBe(';');
  expect(detectDelimiter('email\tname')).toBe('\t');
  expect(detectDelimiter('email|name')).toBe('|');
  expect(detectDelimiter('email')).toBe(',');
  expect(detectDelimiter('"e,mail";name;company')).toBe(';'); // a quoted delimiter does not count
  expect(detectDelimiter('email;name;company,title')).toBe(';'); // the most frequent wins
  expect(detectDelimiter('email;name', { delimiter: 'semicolon' })).toBe(';');
  expect(() => detectDelimiter('email;name', { delimiter: ',' })).toThrow(
    'the header line is separated by ";", not ","; pass ?delimiter=semicolon or leave the delimiter out',
  );
  expect(() => detectDelimiter('email\tname', { delimiter: ';', via: 'cli' })).toThrow(
    'separated by tab, not ";"; pass --delimiter tab',
  );
  expect(() => detectDelimiter('email;x,y')).toThrow(
    'the header line holds 1 × "," and 1 × ";": name the delimiter with ?delimiter=comma or ?delimiter=semicolon',
  );
  expect(() => detectDelimiter('email', { delimiter: ':' })).toThrow('unknown delimiter ":"');

  expect(await rows('Email;Full Name;Company name\r\na@x.test;"Ann; Lee";"Ann, Inc."\r\n')).toEqual([
    { line: 2, row: { email: 'a@x.test', name: 'Ann; Lee', company: 'Ann, Inc.' } },
  ]);
  expect(await rows('email\tname\na@x.test\tA\n', { delimiter: 'tab' })).toEqual([
    { line: 2, row: { email: 'a@x.test', name: 'A' } },
  ]);
});

test('header names: case and spaces do not matter; documented aliases; unknown, repeated and missing columns are refused by name', async () => {
  expect(
    headerColumns([
      ' EMAIL ',
      'Full name',
      'Organisation',
      'Job Title',
      'Phone Number',
      'Time Zone',
      'Lead ID',
      'deal_value',
      'Tag',
    ]),
  ).toEqual(['email', 'name', 'company', 'title', 'phone', 'timezone', 'id', 'value', 'tags']);
  expect(headerColumns(['E-mail', 'Name'])).toEqual(['email', 'name']);
  expect(headerColumns(['Email Address', 'Company Name'])).toEqual(['email', 'company']);
  expect(headerColumns(['email', 'organization', 'Contact Name', 'telephone'])).toEqual([
    'email',
    'company',
    'name',
    'phone',
  ]);
  expect(() => headerColumns(['email', 'colour'])).toThrow(
    expect.objectContaining({ details: [{ path: 'header.colour', message: 'unknown column' }] }),
  );
  expect(() => headerColumns(['E-mail', 'Email Address'])).toThrow(
    expect.objectContaining({
      details: [{ path: 'header.Email Address', message: 'repeats column "E-mail" (both mean email)' }],
    }),
  );
  expect(() => headerColumns(['name'])).toThrow(
    expect.objectContaining({ details: [{ path: 'header.email', message: 'required column' }] }),
  );
  await expect(rows('\n\n')).rejects.toThrow('the file is empty: no header line');
});

test('lead and campaign text that already holds U+FFFD or a control character is refused by name (API, JSON bulk and CSV alike)', () => {
  const problems = (body: unknown) => {
    const r = leadInputSchema.safeParse(body);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  expect(problems({ email: 'a@x.test', name: 'Bj\uFFFDrn' })).toEqual([
    'name: contains U+FFFD (�), the mark of bytes that were not valid text: send the text in UTF-8',
  ]);
  expect(problems({ email: 'a@x.test', company: 'K\uFFFDbenhavn' })).toHaveLength(1);
  expect(problems({ email: 'a@x.test', tags: ['ok', 'b\uFFFDd'] })).toEqual([
    'tags.1: contains U+FFFD (�), the mark of bytes that were not valid text: send the text in UTF-8',
  ]);
  expect(problems({ email: 'a@x.test', name: 'A\u0085B' })).toEqual([
    'name: line breaks and control characters are not allowed',
  ]);
  expect(problems({ email: 'a@x.test', name: 'Björn Sørensen', company: 'København ApS', tags: ['vip'] })).toEqual([]);
  // the same one-line text rule for a campaign's name
  expect(campaignInputSchema.safeParse({ name: 'Fr\uFFFDhling' }).success).toBe(false);
  expect(campaignInputSchema.parse({ name: ' Frühling ' }).name).toBe('Frühling');
});
