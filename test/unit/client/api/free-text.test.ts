import { activityBody, lostBody, repliedBody, wonBody } from '../../../../client/api/schemas';

describe('free text (notes, lost reasons): kept as written, never garbled', () => {
  test('line breaks and tabs are kept', () => {
    expect(activityBody.parse({ type: 'note', note: 'Called twice.\r\nLeft a voicemail\tat 10:00' }).note).toBe(
      'Called twice.\r\nLeft a voicemail\tat 10:00',
    );
  });

  test.each([
    ['U+FFFD from a wrong decoding', 'Bj\uFFFDrn called', /U\+FFFD/],
    ['a NUL byte', 'a\u0000b', /control characters/],
    ['an escape character', 'a\u001b[31mred', /control characters/],
    ['a C1 control character', 'a\u0085b', /control characters/],
  ])('%s is refused in every free-text field', (_what, text, message) => {
    for (const [schema, body] of [
      [activityBody, { type: 'note', note: text }],
      [repliedBody, { note: text }],
      [wonBody, { note: text }],
      [lostBody, { reason: text }],
    ] as const) {
      const r = schema.safeParse(body);
      expect(r.success).toBe(false);
      expect(r.error!.issues[0].message).toMatch(message);
    }
  });

  test('a lost reason is trimmed and must not be empty', () => {
    expect(lostBody.parse({ reason: '  no budget  ' }).reason).toBe('no budget');
    expect(lostBody.safeParse({ reason: '   ' }).success).toBe(false);
  });
});
