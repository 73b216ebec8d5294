import { once } from 'node:events';
import { closedPort } from '../../test/support/clusters';
import { TEST_REDIS_URL } from '../../test/support/test-app';
import { closeConnection, redisConnection } from './redis.module';
import type { AppConfig } from '../config/app-config';

const connectionTo = (redisUrl: string) => {
  const connection = redisConnection({ redisUrl } as AppConfig);
  connection.on('error', () => undefined);
  return connection;
};

describe('closeConnection', () => {
  it('closes at once a connection whose Redis is down, though a command waits for it', async () => {
    const connection = connectionTo(`redis://127.0.0.1:${await closedPort()}`);
    // A BullMQ connection has no retry limit: this command waits in the offline queue for ever, and
    // a QUIT sent now would wait behind it.
    const waiting = connection.get('some-key');
    waiting.catch(() => undefined);
    const ended = once(connection, 'end');
    const began = Date.now();
    await closeConnection(connection);
    await expect(waiting).rejects.toThrow();
    await ended;
    expect(Date.now() - began).toBeLessThan(1000);
  });

  it('lets the replies still due arrive before it closes a connection that is up', async () => {
    const connection = connectionTo(TEST_REDIS_URL);
    await connection.ping();
    const ended = once(connection, 'end');
    const reply = connection.ping('due');
    await closeConnection(connection);
    await expect(reply).resolves.toBe('due');
    await ended;
  });
});
