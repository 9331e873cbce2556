import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type IncomingMessage, type ServerResponse, createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { NodeSink } from './node-sink.js';

/** Serves one request with `handler`; resolves with the response, its body, and the socket writes it took. */
async function serve(
  handler: (sink: NodeSink, res: ServerResponse) => void,
  onHeaders: () => void = () => {},
): Promise<{ res: IncomingMessage; body: string; writes: number }> {
  let writes = 0;
  const server = createServer((_req, res) => {
    // Every write(2)/writev(2) of the socket goes through _writeGeneric (node:net).
    const socket = res.socket as unknown as { _writeGeneric: (...a: unknown[]) => unknown };
    const generic = socket._writeGeneric.bind(socket);
    socket._writeGeneric = (...a: unknown[]) => {
      writes++;
      return generic(...a);
    };
    handler(new NodeSink(res, () => {}), res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      get({ port: (server.address() as AddressInfo).port, path: '/' }, resolve).on('error', reject),
    );
    onHeaders();
    let body = '';
    for await (const c of res) body += String(c);
    return { res, body, writes };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('NodeSink streams', () => {
  test('headers and a first chunk that is already there leave in one write', async () => {
    const got = await serve((sink) => {
      sink.startStream(200, { 'content-type': 'text/event-stream' });
      sink.write(Buffer.from('data: x\n\n'));
      setImmediate(() => sink.end());
    });
    assert.equal(got.res.headers['content-type'], 'text/event-stream');
    assert.equal(got.body, 'data: x\n\n');
    assert.equal(got.writes, 2); // headers with the chunk, then the end of the chunked body
  });

  test('with no chunk yet, the headers still leave on their own', async () => {
    let sink: NodeSink | undefined;
    const got = await serve(
      (s) => {
        sink = s;
        s.startStream(200, { 'content-type': 'text/event-stream' });
      },
      // The client has the headers while nothing was written; only then does the stream end.
      () => sink!.end(),
    );
    assert.equal(got.res.headers['content-type'], 'text/event-stream');
    assert.equal(got.body, '');
  });
});
