/** CSV reading for bulk enrolment: line numbers (blank lines, quoted line breaks, BOM), cell conversion, header errors (more in csv-import.test.ts). */
import { Readable } from 'node:stream';
import { csvRecordToInput, readCsv, readJsonArray, type SourceRow } from '../../client/bulk';
import { summary } from '../../cli/import';
import { ProgressBar } from '../../client/progress';

async function rows(csv: string | string[]): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of readCsv(Readable.from(Array.isArray(csv) ? csv : [csv]))) out.push(r);
  return out;
}

test('each row carries the line it starts on, across blank lines, quoted line breaks and chunk borders', async () => {
  const csv = '\uFEFFemail,name,value\na@x.test,A,10\n\nb@x.test,"B\nstill B",5\nc@x.test,C\nd@x.test,D,7\n';
  const got = await rows(csv.match(/[\s\S]{1,5}/g)!); // split mid-field on purpose
  expect(got).toEqual([
    { line: 2, row: { email: 'a@x.test', name: 'A', value: 10 } },
    { line: 4, row: { email: 'b@x.test', name: 'B still B', value: 5 } }, // a break inside a cell reads as a space
    { line: 6, error: expect.stringMatching(/^wrong number of columns/) },
    { line: 7, row: { email: 'd@x.test', name: 'D', value: 7 } },
  ]);
});

test('cells: empty is absent, value numeric when it looks like a number, tags split on ; or |', () => {
  expect(csvRecordToInput({ email: ' a@x.test ', name: '', value: '12.5', tags: 'vip; trial|eu' })).toEqual({
    email: 'a@x.test',
    value: 12.5,
    tags: ['vip', 'trial', 'eu'],
  });
  expect(csvRecordToInput({ value: 'lots' })).toEqual({ value: 'lots' }); // left for the schema to refuse by name
});

test('an unknown column or a missing email column fails the whole file, naming the column', async () => {
  await expect(rows('email,colour\na@x.test,red\n')).rejects.toMatchObject({
    details: [{ path: 'header.colour', message: 'unknown column' }],
  });
  await expect(rows('name\nA\n')).rejects.toMatchObject({
    details: [{ path: 'header.email', message: 'required column' }],
  });
});

test('JSON arrays: positions from 1; a non-object element is an error row; a non-array is refused', () => {
  expect([...readJsonArray([{ email: 'a@x.test' }, 3])]).toEqual([
    { line: 1, row: { email: 'a@x.test' } },
    { line: 2, error: 'not a JSON object' },
  ]);
  expect(() => [...readJsonArray({ email: 'a@x.test' })]).toThrow('JSON array');
});

test('the progress bar and the summary', () => {
  const bar = new ProgressBar({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream, 10);
  expect(bar.render('enrolling', 25, 100)).toBe('enrolling [###-------] 25/100  25%');
  expect(bar.render('reading', 1234, null)).toBe('reading 1,234 rows');
  const text = summary({
    id: 'b-1',
    status: 'done',
    total: 4,
    accepted: 2,
    enrolled: 2,
    started: 1,
    rejectedCount: 2,
    campaign: 'spring',
    rejected: [
      { line: 3, reason: 'email: must be an email address' },
      { line: 5, reason: 'duplicate of line 2 (the same lead)' },
    ],
    createdAt: '',
    createdBy: 'x',
    finishedAt: null,
  });
  expect(text).toContain(
    '4 rows read, 2 accepted, 2 rejected; 2 enrolled (1 new leads, 1 already running) into campaign spring',
  );
  expect(text).toContain('  line 3: email: must be an email address');
  expect(text).toContain('  line 5: duplicate of line 2');
});
