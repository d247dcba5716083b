/** The progress bars of `dealflow import` and `dealflow bench` (client/progress.ts, on cli-progress), on a stream that is not a terminal. */
import { CountProgress, ProgressBar } from '../../../client/progress';

function stream() {
  const chunks: string[] = [];
  const out = {
    isTTY: false,
    columns: 120,
    write: (s: string) => (chunks.push(s), true),
  } as unknown as NodeJS.WriteStream;
  return { out, text: () => chunks.join('') };
}

describe('ProgressBar', () => {
  it('renders a bar of the given width, the counts and the percentage', () => {
    const bar = new ProgressBar(stream().out, 10);
    expect(bar.render('enrolling', 25, 100)).toBe('enrolling [###-------] 25/100  25%');
    expect(bar.render('enrolled ', 100, 100, ' done')).toBe('enrolled  [##########] 100/100 100% done');
    expect(bar.render('enrolling', 0, 0)).toBe('enrolling [##########] 0/0 100%');
    expect(bar.render('reading', 1234, null)).toBe('reading 1,234 rows');
  });

  it('writes the first and the last line to a stream that is not a terminal', () => {
    const s = stream();
    const bar = new ProgressBar(s.out, 10);
    bar.update(bar.render('reading', 1, null));
    bar.update(bar.render('reading', 2, null)); // within the schedule: not written
    bar.end(bar.render('read', 3, null, ': 3 accepted'));
    expect(s.text()).toContain('reading 1 rows\n');
    expect(s.text()).not.toContain('reading 2 rows');
    expect(s.text()).toContain('read 3 rows: 3 accepted\n');
  });
});

describe('CountProgress', () => {
  it('counts done and failed items and stops after the last one', () => {
    const s = stream();
    const p = new CountProgress('dealflow leads', 3, s.out);
    p.tick(true);
    p.tick(false);
    p.tick(true);
    const lines = s.text().split('\n').filter(Boolean);
    expect(lines[0]).toMatch(/^\[\.{30}\] dealflow leads\s+0\/3 {2}0\.0\/s {2}0s$/);
    expect(lines.at(-1)).toMatch(/^\[#{30}\] dealflow leads\s+3\/3 \(1 failed\) {2}[\d.]+\/s {2}\d+s$/);
  });

  it('shows a full bar at once for nothing to do', () => {
    const s = stream();
    new CountProgress('idle leads enrolled', 0, s.out);
    expect(s.text().split('\n').filter(Boolean).at(-1)).toMatch(
      /^\[#{30}\] idle leads enrolled\s+0\/0 {2}0\.0\/s {2}0s$/,
    );
  });
});
