export interface RetryBudgetPolicy {
  /** Tokens each first attempt adds: 0.2 keeps retries at most ~20% of the load. */
  depositPerRequest: number;
  /** Most tokens saved up, and the starting balance: the burst of retries allowed after a quiet spell. */
  cap: number;
}

export const DEFAULT_RETRY_BUDGET: RetryBudgetPolicy = { depositPerRequest: 0.2, cap: 10 };

/**
 * A token bucket for retries: when most requests fail, retrying all of them would double the
 * load on a cluster already in trouble; the budget lets through only a fixed share.
 */
export class RetryBudget {
  private tokens: number;

  constructor(private readonly policy: RetryBudgetPolicy = DEFAULT_RETRY_BUDGET) {
    this.tokens = policy.cap;
  }

  /** A first attempt was made. */
  deposit(): void {
    this.tokens = Math.min(this.policy.cap, this.tokens + this.policy.depositPerRequest);
  }

  /** Takes one retry's token if there is one. */
  withdraw(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
