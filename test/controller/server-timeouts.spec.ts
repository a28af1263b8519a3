import { Server } from 'node:http';
import * as http from 'node:http';
import { AddressInfo, connect, Socket } from 'node:net';
import { useControllerApp } from './helpers/controller-app';

interface Answer {
  status: number;
  reused: boolean;
  socket: Socket;
}

function get(port: number, path: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          reused: req.reusedSocket,
          socket: req.socket as Socket,
        }),
      );
    });
    req.on('error', reject);
  });
}

async function listen(server: Server): Promise<number> {
  if (!server.listening)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('HTTP server timeouts (controller tier, a listening server)', () => {
  describe('defaults', () => {
    const web = useControllerApp('mongo');

    it('keep-alive 65 s, headers 66 s, requests 5 min are applied to the server', () => {
      const server = web.app.getHttpServer() as Server;
      expect(server.keepAliveTimeout).toBe(65_000);
      expect(server.headersTimeout).toBe(66_000);
      expect(server.requestTimeout).toBe(300_000);
    });

    it('a keep-alive connection idle past Node’s old 5 s default is reused and answers', async () => {
      const port = await listen(web.app.getHttpServer() as Server);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const first = await get(port, '/login', agent);
        expect(first.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 5_500));
        const second = await get(port, '/login', agent);
        expect(second.status).toBe(200);
        expect(second.reused).toBe(true);
        expect(second.socket).toBe(first.socket);
      } finally {
        agent.destroy();
      }
    }, 15_000);
  });

  describe('HTTP_KEEP_ALIVE_TIMEOUT=1s, HTTP_HEADERS_TIMEOUT=2s, HTTP_REQUEST_TIMEOUT=10s', () => {
    const web = useControllerApp('mongo', {
      HTTP_KEEP_ALIVE_TIMEOUT: '1s',
      HTTP_HEADERS_TIMEOUT: '2s',
      HTTP_REQUEST_TIMEOUT: '10s',
    });

    it('are applied, and the server closes an idle connection after the keep-alive timeout', async () => {
      const server = web.app.getHttpServer() as Server;
      expect(server.keepAliveTimeout).toBe(1_000);
      expect(server.headersTimeout).toBe(2_000);
      expect(server.requestTimeout).toBe(10_000);
      const port = await listen(server);
      // a raw connection: an http.Agent would close it itself, from the server's Keep-Alive hint
      const socket = connect(port, '127.0.0.1');
      let answered = 0;
      socket.on('data', () => (answered = answered || Date.now()));
      socket.write('GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      await new Promise((resolve) => socket.once('close', resolve));
      const idle = Date.now() - answered;
      expect(answered).toBeGreaterThan(0);
      expect(idle).toBeGreaterThanOrEqual(900);
      expect(idle).toBeLessThan(5_000);
    }, 15_000);
  });
});
