/**
 * The SMTP mail catcher for `dealflow dev` and the tests (devstack/services.ts): runs in-process,
 * keeps the messages it caught (capped) and shows them on a small HTTP page.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { ManagedService } from './processes';

const MAIL_CAP = 10_000;
const MAIL_MAX_BYTES = 25 * 1024 * 1024;

// Mail catcher

export interface CaughtMessage {
  id: string;
  messageId?: string;
  from: string;
  to: string[];
  subject: string;
  /** ISO-8601 UTC, from the Date header. */
  date?: string;
  /** Lower-case names; raw (undecoded, unfolded) values; a repeated header's values joined with "\n". */
  headers: Record<string, string>;
  text: string;
  html: string;
  raw: string;
  envelope: { from: string; to: string[] };
}

export type MailCatcher = ManagedService & {
  smtpUrl: string;
  httpUrl: string;
  smtpPort: number;
  messages(): CaughtMessage[];
  clear(): void;
  waitFor(pred: (m: CaughtMessage[]) => boolean, timeoutMs?: number): Promise<CaughtMessage[]>;
};

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const out: string[] = [];
  const walk = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.address) out.push(a.address);
      if (a.group) walk(a.group);
    }
  };
  for (const obj of Array.isArray(field) ? field : field ? [field] : []) walk(obj.value);
  return out;
}

function toCaught(id: string, parsed: ParsedMail, raw: string, session: SMTPServerSession): CaughtMessage {
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    const value = line
      .slice(line.indexOf(':') + 1)
      .replace(/\r?\n[ \t]+/g, ' ')
      .trim();
    headers[key] = key in headers ? `${headers[key]}\n${value}` : value;
  }
  const envelope = {
    from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    to: session.envelope.rcptTo.map((r) => r.address),
  };
  const to = addresses(parsed.to);
  const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : undefined;
  return {
    id,
    messageId: parsed.messageId,
    from: parsed.from?.text ?? envelope.from,
    to: to.length > 0 ? to : envelope.to,
    subject: parsed.subject ?? '',
    date,
    headers,
    text: parsed.text ?? '',
    html: parsed.html || '',
    raw,
    envelope,
  };
}

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function messagesPage(list: CaughtMessage[]): string {
  const rows = list
    .slice()
    .reverse()
    .map(
      (m) =>
        `<tr><td>${escapeHtml(m.date ?? '')}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to.join(', '))}</td>` +
        `<td><details><summary>${escapeHtml(m.subject)}</summary><pre>${escapeHtml(m.text)}</pre></details></td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>dealflow mail catcher</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}td,th{text-align:left;padding:.3em .6em;vertical-align:top;border-bottom:1px solid #ddd}pre{white-space:pre-wrap}</style>
</head><body><h1>Caught mail (${list.length})</h1>
<p>JSON: <a href="/messages">/messages</a> &middot; <code>DELETE /messages</code> clears</p>
<table><tr><th>date</th><th>from</th><th>to</th><th>subject</th></tr>
${rows}
</table></body></html>`;
}

function publicShape(m: CaughtMessage) {
  const { id, messageId, from, to, subject, date, headers, text, html, envelope } = m;
  return { id, messageId, from, to, subject, date, headers, text, html, envelope };
}

function listen(server: net.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

/** A local SMTP catcher: smtp-server (no auth, no TLS: authOptional:true, disabledCommands:['STARTTLS']) on 127.0.0.1:<port> that parses each message with mailparser's simpleParser and keeps them in memory (cap 10,000, oldest dropped); plus a tiny HTTP server (node:http) on httpPort: GET /messages → JSON array of {id, messageId, from, to, subject, date, headers: Record<string,string> (lower-case names, raw header values), text, html}, DELETE /messages clears, GET / → a minimal HTML list (escape every value!). The returned object also exposes messages() for in-process use, clear(), and waitFor(pred, timeoutMs) resolving with the matching messages array when pred(messages) is true.
 *
 * Ports default to ones the kernel picks (no race). Credentials, if a client sends any, are accepted.
 * The JSON also carries each message's SMTP `envelope` (useful for Bcc). waitFor's timeout defaults to 10 s.
 */
export async function startMailCatcher(opts: {
  smtpPort?: number;
  httpPort?: number;
  /** called with every message as it is caught (the benchmark counts and times them this way) */
  onMessage?: (m: CaughtMessage) => void;
}): Promise<MailCatcher> {
  const caught: CaughtMessage[] = [];
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  let seq = 0;

  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: MAIL_MAX_BYTES,
    closeTimeout: 1_000,
    banner: 'dealflow mail catcher',
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anyone' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error(`message exceeds ${MAIL_MAX_BYTES} bytes`), { responseCode: 552 }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const message = toCaught(String(++seq), parsed, raw.toString('utf8'), session);
            caught.push(message);
            if (caught.length > MAIL_CAP) caught.splice(0, caught.length - MAIL_CAP);
            callback();
            opts.onMessage?.(message);
            changes.emit('change');
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  smtp.on('error', () => undefined); // a client's broken connection is not ours to crash on

  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/messages' && req.method === 'GET') {
      send(200, 'application/json; charset=utf-8', JSON.stringify(caught.map(publicShape)));
    } else if (url.pathname === '/messages' && req.method === 'DELETE') {
      clear();
      res.writeHead(204).end();
    } else if (url.pathname === '/' && req.method === 'GET') {
      send(200, 'text/html; charset=utf-8', messagesPage(caught));
    } else {
      send(
        404,
        'application/json; charset=utf-8',
        JSON.stringify({ error: { code: 'not_found', message: 'GET /, GET /messages, DELETE /messages' } }),
      );
    }
  });

  const clear = () => {
    caught.length = 0;
    changes.emit('change');
  };

  let smtpPort: number;
  let httpPort: number;
  try {
    smtpPort = await listen(smtp.server, opts.smtpPort ?? 0);
    httpPort = await listen(web, opts.httpPort ?? 0);
  } catch (err) {
    smtp.close(() => undefined);
    web.close();
    throw new Error(`mail catcher: could not listen: ${(err as Error).message}`, { cause: err });
  }
  const httpUrl = `http://127.0.0.1:${httpPort}`;

  let stopping: Promise<void> | undefined;
  return {
    name: 'mail',
    url: httpUrl,
    smtpUrl: `smtp://127.0.0.1:${smtpPort}`,
    httpUrl,
    smtpPort,
    messages: () => caught.slice(),
    clear,
    waitFor(pred, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const finish = (fn: () => void) => {
          clearTimeout(timer);
          changes.off('change', check);
          fn();
        };
        function check() {
          const snapshot = caught.slice();
          try {
            if (pred(snapshot)) finish(() => resolve(snapshot));
          } catch (err) {
            finish(() => reject(err));
          }
        }
        const timer = setTimeout(() => {
          const subjects = caught
            .slice(-5)
            .map((m) => JSON.stringify(m.subject))
            .join(', ');
          finish(() =>
            reject(
              new Error(
                `mail catcher: condition not met within ${timeoutMs} ms; ${caught.length} message(s) caught${subjects ? `, the last: ${subjects}` : ''}`,
              ),
            ),
          );
        }, timeoutMs);
        changes.on('change', check);
        check();
      });
    },
    stop() {
      stopping ??= Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => {
          web.close(() => resolve());
          web.closeAllConnections();
        }),
      ]).then(() => undefined);
      return stopping;
    },
  };
}
