/**
 * An integration stack that mails through a real SMTP catcher and accepts signed inbound replies,
 * with a fast cadence (steps 4 s apart, any hour) under `cadenceName`.
 */
import { signInbound as signWithTime } from '../../client/api/inbound-signature';
import { startMailCatcher, type MailCatcher } from '../../devstack/services';
import { KEYS, startStack, type Stack } from './stack';

export const FAST_CADENCE = {
  steps: [
    { after: '0s', template: 'approach_intro' },
    { after: '4s', template: 'approach_followup_1' },
    { after: '4s', template: 'approach_breakup' },
  ],
  businessHours: null,
};

export async function startMailStack(
  secret: string,
  cadenceName: string,
): Promise<{ mail: MailCatcher; stack: Stack }> {
  const mail = await startMailCatcher({});
  const stack = await startStack({
    config: { SMTP_URL: mail.smtpUrl, INBOUND_SECRET: secret, MAIL_FROM: 'Dealflow <sales@dealflow.test>' },
  });
  const put = await stack.call('PUT', '/v1/config/cadences', KEYS.marketing, {
    cadences: { [cadenceName]: FAST_CADENCE },
  });
  if (put.status !== 200) throw new Error(`could not set the cadence: ${put.status} ${JSON.stringify(put.body)}`);
  return { mail, stack };
}

/** The X-Dealflow-Signature of a raw inbound body. */
/** The inbound webhook's X-Dealflow-Signature for `body`, signed now (client/api/inbound-signature.ts). */
export const signInbound = (secret: string, body: string, nowSeconds = Date.now() / 1000): string =>
  signWithTime(secret, body, nowSeconds);
