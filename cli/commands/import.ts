/** `dealflow import FILE.csv`: registers the command; the import itself is cli/import.ts. */
import { InvalidArgumentError, type Command } from 'commander';
import { delimiterFor, encodingKnown } from '../../client/csv-import';
import { config, withActor, type runner } from '../shared';

function encoding(v: string): string {
  if (!encodingKnown(v))
    throw new InvalidArgumentError(`Unknown encoding (for example utf-8, windows-1252, iso-8859-15, utf-16le).`);
  return v;
}

function delimiter(v: string): string {
  if (!delimiterFor(v)) throw new InvalidArgumentError('Must be one of , ; tab | (or comma, semicolon, tab, pipe).');
  return v;
}

export function registerImport(program: Command, run: ReturnType<typeof runner>): void {
  withActor(
    program
      .command('import')
      .description(
        'enrol a CSV of leads (header: the lead input fields or their aliases): a progress bar, then every rejected line with its reason (exit 1 if any, 2 for a bad file)',
      )
      .argument('<file>', 'the CSV file')
      .option('--campaign <id>', 'enrol the leads into this campaign')
      .option('--encoding <name>', "the file's encoding (default UTF-8)", encoding)
      .option('--delimiter <d>', 'the field delimiter: , ; tab | (default: detected from the header line)', delimiter)
      .option('--no-wait', 'return once the rows are read, without waiting for the enrolment')
      .option('--json', 'print the batch as JSON'),
  ).action(
    run((file: string, o: import('../import').ImportOptions) => {
      const { importCommand } = require('../import') as typeof import('../import');
      return importCommand(file, o, config());
    }),
  );
}
