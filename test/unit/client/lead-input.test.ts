/** Lead input uses the one control-character rule and the one time-zone check (workflows/policy). */
import { leadInputSchema } from '../../../client/lead-input';
import { isValidTimeZone } from '../../../workflows/policy/business-hours';

const base = { email: 'ada@example.org' };

describe('lead input', () => {
  it.each(['\n', '\u0085', '\u2028', '\u0000'])('refuses a name holding %j', (c) => {
    const r = leadInputSchema.safeParse({ ...base, name: `Ada${c}Lovelace` });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({
      path: ['name'],
      message: 'line breaks and control characters are not allowed',
    });
  });

  it.each(['Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires', 'Etc/GMT+1'])('accepts the time zone %j', (tz) => {
    expect(leadInputSchema.safeParse({ ...base, timezone: tz }).success).toBe(true);
    expect(isValidTimeZone(tz)).toBe(true);
  });

  it.each(['Mars/Olympus_Mons', '+01:00', 'UTC+1', '', 'Europe/Berlin\n', '../etc/passwd'])(
    'refuses the time zone %j',
    (tz) => {
      const r = leadInputSchema.safeParse({ ...base, timezone: tz });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]).toMatchObject({
        path: ['timezone'],
        message: 'must be an IANA time zone such as Europe/Berlin',
      });
      expect(isValidTimeZone(tz)).toBe(false);
    },
  );
});
