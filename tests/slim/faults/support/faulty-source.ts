import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalServer } from '../../service/support/http-server.ts';
import { openMeteoAnswer } from '../../service/support/open-meteo-source.ts';

/**
 * How the source behaves: answers data, or fails one way. `hang` never answers; `trickle` sends
 * headers and then one byte every `trickleEveryMs`, forever; `huge` sends a 2 MiB JSON body with
 * its length; `endless` sends a chunked body that never ends.
 */
export type Fault = 'none' | 'hang' | 'status_500' | 'status_429' | 'garbage' | 'wrong_types' | 'trickle' | 'huge' | 'endless';

const HUGE_BYTES = 2 * 1_048_576;
const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 0x20);

/**
 * A real HTTP source on 127.0.0.1 in Open-Meteo's format that fails as told. It records how long
 * each exchange stayed open and how many body bytes it wrote, to show who cut it.
 */
export class FaultySource extends LocalServer {
  fault: Fault = 'none';
  temperatureC = 12.5;
  trickleEveryMs = 100;
  requests = 0;
  /** Per closed exchange: how long it was open and the body bytes written. */
  readonly closed: { openMs: number; bytesWritten: number; fault: Fault }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor() {
    super((req, res) => this.answer(req, res));
  }

  /** Stops every exchange still running (a hung or trickling one) and its timers. */
  override async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.clear();
    await super.stop();
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.requests += 1;
    const fault = this.fault;
    const startedMs = performance.now();
    let bytesWritten = 0;
    res.on('close', () => this.closed.push({ openMs: performance.now() - startedMs, bytesWritten, fault }));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (status: number, body: string) => {
      bytesWritten += Buffer.byteLength(body);
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    switch (fault) {
      case 'none':
        return json(200, JSON.stringify(openMeteoAnswer(url, new Date(), this.temperatureC)));
      case 'hang':
        return;
      case 'status_500':
        return json(500, JSON.stringify({ error: true, reason: 'database unavailable' }));
      case 'status_429':
        return json(429, JSON.stringify({ error: true, reason: 'Minutely API request limit exceeded' }));
      case 'garbage':
        return json(200, '<html><body>502 Bad Gateway</body></html>');
      case 'wrong_types':
        return json(200, JSON.stringify({ ...openMeteoAnswer(url, new Date(), this.temperatureC), latitude: 'north', current: [] }));
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const timer = setInterval(() => {
          bytesWritten += 1;
          res.write(' ');
        }, this.trickleEveryMs);
        this.timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          this.timers.delete(timer);
        });
        return;
      }
      case 'huge': {
        const body = `{"padding":"${'x'.repeat(HUGE_BYTES)}"}`;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        bytesWritten += Buffer.byteLength(body);
        res.end(body);
        return;
      }
      case 'endless': {
        res.writeHead(200, { 'content-type': 'application/json' });
        // Writes as fast as the client reads, until it hangs up.
        const pump = (): void => {
          while (!res.destroyed) {
            bytesWritten += ENDLESS_CHUNK.length;
            if (!res.write(ENDLESS_CHUNK)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return;
      }
    }
  }
}
