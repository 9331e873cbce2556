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
    handler(new NodeSink(res, { abort() {} }), res);
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

  test('chunks and the end written in one turn leave in one write, the headers with them', async () => {
    const got = await serve((sink) => {
      sink.startStream(200, { 'content-type': 'text/event-stream' });
      sink.write('data: a\n\n');
      sink.write(Buffer.from('data: b\n\n'));
      // The end comes a tick later, as an upstream body's end does after its last data.
      process.nextTick(() => sink.end());
    });
    assert.equal(got.res.headers['content-type'], 'text/event-stream');
    assert.equal(got.body, 'data: a\n\ndata: b\n\n');
    assert.equal(got.writes, 1);
  });

  test('each turn of writes leaves before the next turn: a later chunk is not waited for', async () => {
    let sink: NodeSink | undefined;
    let seen = '';
    const server = createServer((_req, res) => {
      sink = new NodeSink(res, { abort() {} });
      sink.startStream(200, { 'content-type': 'text/event-stream' });
      sink.write('data: first\n\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        get({ port: (server.address() as AddressInfo).port, path: '/' }, resolve).on('error', reject),
      );
      // The first chunk arrives while the server writes nothing more; only then does the stream go on.
      for await (const c of res) {
        seen += String(c);
        if (seen === 'data: first\n\n') {
          sink!.write('data: second\n\n');
          sink!.end();
        }
      }
    } finally {
      server.closeAllConnections();
      server.close();
    }
    assert.equal(seen, 'data: first\n\ndata: second\n\n');
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

describe('NodeSink JSON answers', () => {
  test('the given headers are sent as they are, with the length, and never modified', async () => {
    const headers = { 'content-type': 'application/json', 'x-penny-cost-usd': '0.000006' };
    const body = JSON.stringify({ answer: 'café' });
    const got = await serve((sink) => sink.json(201, headers, body));
    assert.equal(got.res.statusCode, 201);
    assert.equal(got.res.headers['x-penny-cost-usd'], '0.000006');
    assert.equal(got.res.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(got.body, body);
    assert.deepEqual(headers, { 'content-type': 'application/json', 'x-penny-cost-usd': '0.000006' });
  });

  test('an answer with many headers (x-ratelimit-* and the rest) sends each once, in order, with the length', async () => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const kind of ['requests', 'tokens'])
      for (const what of ['limit', 'remaining', 'reset'])
        headers[`x-ratelimit-${what}-${kind}`] = `${what}-${kind}`;
    for (let i = 0; i < 6; i++) headers[`x-penny-h${i}`] = String(i);
    const got = await serve((sink) => sink.json(200, headers, 'ok'));
    const sent = got.res.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
    const names = [...Object.keys(headers), 'content-length'];
    assert.deepEqual(
      sent.filter((n) => names.includes(n)),
      names,
    );
    for (const [k, v] of Object.entries(headers)) assert.equal(got.res.headers[k], v);
    assert.equal(got.res.headers['content-length'], '2');
    assert.equal(got.body, 'ok');
  });
});
