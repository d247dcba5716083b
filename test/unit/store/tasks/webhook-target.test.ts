import {
  isInternalAddress,
  webhookTargetPolicy,
  webhookTargetProblem,
  webhookUrlProblem,
} from '../../../../store/tasks/webhook-target';

const production = webhookTargetPolicy({ NODE_ENV: 'production', WEBHOOK_ALLOW_PRIVATE_HOSTS: '' });
const development = webhookTargetPolicy({ NODE_ENV: 'development', WEBHOOK_ALLOW_PRIVATE_HOSTS: '' });
const allowing = webhookTargetPolicy({
  NODE_ENV: 'production',
  WEBHOOK_ALLOW_PRIVATE_HOSTS: ' hooks.internal , 10.0.0.7,[fd00::7]',
});

const INTERNAL = [
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1', // private
  '127.0.0.1',
  '127.8.9.10',
  '::1', // loopback
  '169.254.169.254',
  'fe80::1', // link-local (the cloud metadata address among them)
  'fd00::1',
  'fc00::5', // unique local
  '100.64.0.1',
  '0.0.0.0',
  '::',
  '224.0.0.1',
  'ff02::1',
  '255.255.255.255', // CGNAT, unspecified, multicast, broadcast
  '::ffff:127.0.0.1',
  '::ffff:10.0.0.1',
  '64:ff9b::7f00:1', // IPv4-mapped and NAT64 forms of internal addresses
];
const PUBLIC = ['8.8.8.8', '93.184.216.34', '172.32.0.1', '2606:4700:4700::1111'];

test.each(INTERNAL)('%s is internal', (a) => expect(isInternalAddress(a)).toBe(true));
test.each(PUBLIC)('%s is public', (a) => expect(isInternalAddress(a)).toBe(false));

test('in production a stored URL with an internal IP literal or localhost is refused; a public one and a name pass', () => {
  for (const url of [
    'http://127.0.0.1:8080/h',
    'https://10.0.0.1/h',
    'http://[::1]/h',
    'http://[fe80::1]/h',
    'http://169.254.169.254/latest',
    'http://localhost/h',
    'http://api.localhost/h',
    'http://LOCALHOST./h',
    'http://[::ffff:7f00:1]/h',
  ]) {
    expect(webhookUrlProblem(url, production)).toMatch(/loopback|private/);
  }
  for (const url of ['https://8.8.8.8/h', 'https://hooks.example.com/h', 'https://[2606:4700:4700::1111]/h']) {
    expect(webhookUrlProblem(url, production)).toBeNull();
  }
});

test('outside production every target is allowed', async () => {
  expect(webhookUrlProblem('http://127.0.0.1:9/h', development)).toBeNull();
  expect(await webhookTargetProblem('http://internal.example/h', development, async () => ['10.0.0.1'])).toBeNull();
});

test('the allow-list lets named hosts and addresses through in production', async () => {
  expect(webhookUrlProblem('http://10.0.0.7/h', allowing)).toBeNull();
  expect(webhookUrlProblem('http://[fd00::7]/h', allowing)).toBeNull();
  expect(webhookUrlProblem('http://10.0.0.8/h', allowing)).toMatch(/private/);
  expect(await webhookTargetProblem('https://hooks.internal/h', allowing, async () => ['10.0.0.9'])).toBeNull();
});

test('at send time a name resolving to any internal address is refused; one resolving only to public ones passes', async () => {
  expect(
    await webhookTargetProblem('https://rebound.example/h', production, async () => ['93.184.216.34', '127.0.0.1']),
  ).toBe(
    'rebound.example resolves to 127.0.0.1, a private, loopback or link-local address (allow it with WEBHOOK_ALLOW_PRIVATE_HOSTS)',
  );
  expect(await webhookTargetProblem('https://meta.example/h', production, async () => ['fe80::1'])).toMatch(/fe80::1/);
  expect(
    await webhookTargetProblem('https://hooks.example.com/h', production, async () => [
      '93.184.216.34',
      '2606:4700:4700::1111',
    ]),
  ).toBeNull();
  // an IP literal is not looked up
  expect(
    await webhookTargetProblem('https://8.8.8.8/h', production, async () => {
      throw new Error('no lookup expected');
    }),
  ).toBeNull();
});
