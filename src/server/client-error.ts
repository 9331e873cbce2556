/**
 * Requests Node's HTTP parser rejects before any handler runs (headers over `--max-http-header-size`,
 * malformed request lines, header timeouts) get an error body in the client's dialect instead of Node's
 * empty 431/400/408. The dialect comes from the path in the raw request line when Node kept it
 * (`/messages` → Anthropic), else OpenAI. Such a request never became a request (no body was read, no
 * upstream called), so it has no ledger entry.
 */
import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import { PennyError } from '../core/errors.js';
import { toWireError } from '../providers/wire-error.js';
import type { Dialect } from '../core/request.js';

interface ClientError extends Error {
  code?: string;
  rawPacket?: Buffer;
}

/** `server.on('clientError', answerClientError)`. */
export function answerClientError(err: ClientError, socket: Duplex): void {
  // A reset client cannot read an answer; a socket already answered (a second parse error) is done.
  if (err.code === 'ECONNRESET' || !socket.writable || socket.writableEnded) {
    socket.destroy();
    return;
  }
  const dialect = dialectOfRawRequest(err.rawPacket);
  const w = toWireError(errorOf(err), dialect);
  const body = JSON.stringify(w.body);
  socket.end(
    `HTTP/1.1 ${w.status} ${STATUS_CODES[w.status] ?? 'Error'}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

function errorOf(err: ClientError): PennyError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new PennyError(
        'invalid_request',
        `the request headers are larger than the limit of ${maxHeaderSize} bytes (Node's --max-http-header-size)`,
        { status: 431 },
      );
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new PennyError('invalid_request', 'the request headers did not arrive in time', { status: 408 });
    default:
      return new PennyError(
        'invalid_request',
        `malformed HTTP request (${String(err.code ?? 'parse error').slice(0, 40)})`,
      );
  }
}

const REQUEST_LINE = /^[A-Z]{3,10} (\S{1,2048}) HTTP\/1\.[01]\r?\n/;

/** The dialect of the route named in the raw request line; OpenAI when unknown. */
export function dialectOfRawRequest(raw: Buffer | undefined): Dialect {
  if (raw === undefined) return 'openai';
  const head = raw.subarray(0, 4096).toString('latin1');
  const m = REQUEST_LINE.exec(head);
  if (m === null) return 'openai';
  const url = m[1] ?? '';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path === '/v1/messages' || path === '/messages') return 'anthropic';
  if ((path === '/v1/models' || path === '/models') && /\r\nanthropic-version:/i.test(head))
    return 'anthropic';
  return 'openai';
}
