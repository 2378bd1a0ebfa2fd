import CircuitBreaker from 'opossum';
import type { Logger } from '../../runtime/logger.ts';
import type { OutcomeObserver } from '../pools/ejector.ts';
import type { Upstream } from '../pools/upstream.ts';
import { classifyUpstreamError } from './errors.ts';
import type { ClientSignal, UpstreamResponse } from './transport.ts';

export interface UpstreamBreakerPolicy {
  /** How long an open breaker fails fast before letting one trial request through (half-open). */
  resetMs: number;
  /** Requests in the rolling window before the failure rate is judged at all. */
  volumeMin: number;
  /** Failure rate (percent of requests in the window) above which the breaker opens. */
  errorPercentMax: number;
  /** Length of the rolling window the rate is computed over. */
  windowMs: number;
}

/** The breaker refused the request without contacting the node: nothing was sent. */
export class BreakerOpenError extends Error {
  constructor(readonly upstream: Upstream) {
    super(`circuit breaker open for ${upstream.url}`);
  }
}

/** A 5xx answer: a failure for the breaker, yet still the answer the client gets. */
class ServerErrorAnswer extends Error {
  constructor(readonly answer: UpstreamResponse) {
    super(`upstream answered ${answer.status}`);
  }
}

/** An error that says nothing about the node (the client went away, the body was too large): passed on, not counted. */
class NotTheNodes extends Error {
  constructor(readonly inner: unknown) {
    super('not counted against the node');
  }
}

type Action = () => Promise<UpstreamResponse>;
type Breaker = CircuitBreaker<[Action, ClientSignal], UpstreamResponse>;

const isNotTheNodes = (err: unknown): boolean => err instanceof NotTheNodes;

/**
 * Every breaker's action: runs the exchange and says what its outcome means for the node. A 5xx
 * is thrown (a failure to count) carrying the answer; errors that are not the node's are wrapped
 * so the error filter lets them pass uncounted.
 */
async function judged(exchange: Action, clientSignal: ClientSignal): Promise<UpstreamResponse> {
  let answer: UpstreamResponse;
  try {
    answer = await exchange();
  } catch (error) {
    const kind = classifyUpstreamError(error, clientSignal.aborted);
    throw kind === 'aborted' || kind === 'body-too-large' ? new NotTheNodes(error) : error;
  }
  if (answer.status >= 500) throw new ServerErrorAnswer(answer);
  return answer;
}

/**
 * One opossum breaker per upstream node, made on its first request (members come and go with
 * their announcements) and dropped with `forget` when the member leaves. 5xx answers, refused or
 * broken connections and timeouts count; 4xx answers are the request's fault and count as
 * successes. The breaker's state is mirrored on the Upstream, whose eligibility the balancer
 * reads, so an open node gets no traffic. Every outcome that says something about the node also
 * goes to the outlier ejector.
 */
export class UpstreamBreakers {
  private readonly byUpstream = new Map<Upstream, Breaker>();
  /** Members that left: a request already on its way to one gets no new breaker (whose timers nobody would stop). */
  private readonly departed = new WeakSet<Upstream>();

  constructor(
    private readonly policy: UpstreamBreakerPolicy,
    private readonly outcomes?: OutcomeObserver,
    private readonly logger?: Logger,
  ) {}

  /** Runs one exchange with `upstream` through its breaker; `clientSignal` tells a client disconnect from a node failure. */
  async send(upstream: Upstream, clientSignal: ClientSignal, exchange: Action): Promise<UpstreamResponse> {
    if (this.departed.has(upstream)) return exchange();
    try {
      // The judging action is the breaker's own, made once: fire() passes this request's exchange and signal to it.
      const answer = await this.breakerFor(upstream).fire(exchange, clientSignal);
      this.outcomes?.succeeded(upstream);
      return answer;
    } catch (error) {
      if (error instanceof ServerErrorAnswer) {
        this.outcomes?.failed(upstream);
        return error.answer;
      }
      if (error instanceof NotTheNodes) throw error.inner;
      if (error instanceof Error && 'code' in error && error.code === 'EOPENBREAKER') {
        throw new BreakerOpenError(upstream);
      }
      this.outcomes?.failed(upstream);
      throw error;
    }
  }

  /** A member left its pool: its breaker's timers stop and its state goes. */
  forget(upstream: Upstream): void {
    this.departed.add(upstream);
    this.byUpstream.get(upstream)?.shutdown();
    this.byUpstream.delete(upstream);
  }

  /** Stops the breakers' timers (rolling windows, reset timers). */
  shutdown(): void {
    for (const breaker of this.byUpstream.values()) breaker.shutdown();
    this.byUpstream.clear();
  }

  private breakerFor(upstream: Upstream): Breaker {
    const existing = this.byUpstream.get(upstream);
    if (existing !== undefined) return existing;
    const { policy, logger } = this;
    const breaker: Breaker = new CircuitBreaker<[Action, ClientSignal], UpstreamResponse>(judged, {
      name: upstream.url,
      // The transport enforces the per-route timeouts: no second clock here.
      timeout: false,
      resetTimeout: policy.resetMs,
      volumeThreshold: policy.volumeMin,
      errorThresholdPercentage: policy.errorPercentMax,
      rollingCountTimeout: policy.windowMs,
      rollingCountBuckets: 10,
      // Filtered errors still reject; they just do not count as failures.
      errorFilter: isNotTheNodes,
      // Only the counts decide; latency percentiles would sort every latency in the window at each
      // failure, and snapshots would do so on a timer, whether anyone reads them or not.
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
    });
    breaker.on('open', () => {
      upstream.breaker = 'open';
      logger?.warn({ upstream: upstream.url, resetMs: policy.resetMs }, 'upstream breaker opened');
    });
    breaker.on('halfOpen', () => {
      upstream.breaker = 'half_open';
    });
    breaker.on('close', () => {
      upstream.breaker = 'closed';
      logger?.info({ upstream: upstream.url }, 'upstream breaker closed');
    });
    this.byUpstream.set(upstream, breaker);
    return breaker;
  }
}
