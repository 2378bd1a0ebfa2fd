import type { Clock } from '../../../../slim/clock.ts';

interface Timer {
  id: number;
  dueMs: number;
  callback: () => void;
}

/** A clock that moves only when the test says so; timers fire in due order during `advance`. */
export class ManualClock implements Clock {
  private nowMs: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(start = new Date()) {
    this.nowMs = start.getTime();
  }

  now(): Date {
    return new Date(this.nowMs);
  }

  setTimer(delayMs: number, callback: () => void): () => void {
    const timer = { id: this.nextId++, dueMs: this.nowMs + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t.id !== timer.id);
    };
  }

  /** Moves time forward, firing every timer that falls due on the way (including ones armed while advancing). */
  advance(ms: number): void {
    const targetMs = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.dueMs <= targetMs).sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      this.nowMs = Math.max(this.nowMs, due.dueMs);
      due.callback();
    }
    this.nowMs = targetMs;
  }

  /** Delays of the armed timers from now, soonest first. */
  pendingDelaysMs(): number[] {
    return this.timers.map((t) => t.dueMs - this.nowMs).sort((a, b) => a - b);
  }
}
