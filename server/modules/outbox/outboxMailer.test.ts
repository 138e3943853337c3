import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { createTestDatabase, type TestDatabase } from '../../../test/support/testDatabase.ts';
import { OutboxMailer } from './outboxMailer.ts';
import { OutboxRepository } from './outboxRepository.ts';

interface Received {
  from: string;
  to: string[];
  data: string;
}

let database: TestDatabase;
let server: SMTPServer;
let port: number;
let failNext = false;
const received: Received[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (chunk: Buffer) => (data += chunk.toString()));
      stream.on('end', () => {
        if (failNext) {
          failNext = false;
          return callback(new Error('mailbox unavailable'));
        }
        received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.drop();
});

const logger = { info: () => undefined, warn: () => undefined };

describe('sending the outbox through SMTP', () => {
  it('sends pending messages once, marks them sent, and retries failures', async () => {
    const outbox = new OutboxRepository(database.db);
    const first = await outbox.enqueue(database.db, { organisationId: null, to: 'one@example.org', subject: 'Hello one', body: 'Body one' });
    const second = await outbox.enqueue(database.db, { organisationId: null, to: 'two@example.org', subject: 'Hello two', body: 'Body two' });
    const mailer = new OutboxMailer(database.db, `smtp://127.0.0.1:${port}`, 'OneRoof <no-reply@oneroof.example>', logger);
    failNext = true;
    expect(await mailer.sendPending()).toBe(1);
    const afterFirstRun = await database.db.selectFrom('email_outbox').select(['id', 'status', 'attempts', 'last_error']).execute();
    expect(afterFirstRun.find((row) => row.id === first)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(afterFirstRun.find((row) => row.id === first)?.last_error).toContain('mailbox unavailable');
    expect(afterFirstRun.find((row) => row.id === second)).toMatchObject({ status: 'sent' });

    expect(await mailer.sendPending()).toBe(1);
    expect(await mailer.sendPending()).toBe(0);
    await mailer.stop();
    expect(received.map((message) => message.to[0]).sort()).toEqual(['one@example.org', 'two@example.org']);
    expect(received[0]!.from).toBe('no-reply@oneroof.example');
    expect(received.find((message) => message.to[0] === 'one@example.org')!.data).toContain('Subject: Hello one');
  });
});
