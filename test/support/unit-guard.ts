/**
 * Setup file of the `unit` jest project (jest.config.js): a unit test reaches no service. Opening a
 * network connection (Temporal, Redis, SMTP, HTTP) fails the test with a message that says where
 * such a test belongs, instead of hanging until a timeout or passing only when a service happens
 * to run.
 */
import net from 'node:net';

net.Socket.prototype.connect = function refuse(): never {
  throw new Error(
    'a unit test may not open a network connection: put a test that needs a service outside test/unit/ (the integration lane)',
  );
};
