import { connect } from 'node:net';

/** One HTTP/1.1 request as bytes on the wire: nothing normalised, so any malformation gets through. */
export interface RawRequest {
  method: string;
  /** the request target exactly as sent (may hold bad percent-escapes or raw bytes) */
  target: Buffer;
  /** in order, duplicates allowed; values as bytes (may hold bad UTF-8) */
  headers: [string, Buffer | string][];
  body: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** the first bytes of the body, for failure messages */
  bodyStart: string;
  ms: number;
}

/** The wire form: request line, headers (Host and Connection: close first unless given), body. */
export function encodeRequest(request: RawRequest, host: string): Buffer {
  const names = new Set(request.headers.map(([name]) => name.toLowerCase()));
  const lines: Buffer[] = [
    Buffer.concat([
      Buffer.from(`${request.method} `),
      request.target,
      Buffer.from(' HTTP/1.1\r\n'),
    ]),
  ];
  if (!names.has('host')) lines.push(Buffer.from(`Host: ${host}\r\n`));
  lines.push(Buffer.from('Connection: close\r\n'));
  for (const [name, value] of request.headers) {
    lines.push(Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]));
  }
  lines.push(Buffer.from('\r\n'), request.body);
  return Buffer.concat(lines);
}

/**
 * Sends the request on a new connection and reads the answer until the server closes it (the
 * request says Connection: close). Rejects after `timeoutMs` without a complete answer.
 */
export function send(port: number, request: RawRequest, timeoutMs: number): Promise<RawResponse> {
  const host = `127.0.0.1:${port}`;
  const wire = encodeRequest(request, host);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // the server may close before reading a body it refused (EPIPE / ECONNRESET): what it
    // answered before that still counts
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      const raw = Buffer.concat(chunks);
      const parsed = parseResponse(raw);
      if (!parsed) {
        reject(new Error(`connection closed without an HTTP answer (${raw.length} bytes)`));
        return;
      }
      resolve({ ...parsed, ms });
    });
    socket.write(wire);
  });
}

function parseResponse(raw: Buffer): Omit<RawResponse, 'ms'> | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  // an interim answer (100 Continue) comes before the real one
  if (/^HTTP\/1\.[01] 1\d\d/.test(raw.subarray(0, 12).toString('latin1'))) {
    return parseResponse(raw.subarray(end + 4));
  }
  const [statusLine, ...headerLines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(match[1]),
    headers,
    bodyStart: raw.subarray(end + 4, end + 4 + 400).toString('utf8'),
  };
}
