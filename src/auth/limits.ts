import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SlidingWindow } from './sliding-window';

/**
 * Failed sign-ins per username (LOGIN_FAILURES_PER_USERNAME) and per client address
 * (LOGIN_FAILURES_PER_ADDRESS) within LOGIN_FAILURE_WINDOW. Past either, every sign-in for that
 * name or from that address is refused until the window lets go, even with the right password
 * (so guessing cannot go on and just wait for a hit). Per app instance, in memory.
 */
@Injectable()
export class LoginThrottle {
  private readonly byUsername: SlidingWindow;
  private readonly byAddress: SlidingWindow;

  constructor(config: AppConfig) {
    this.byUsername = new SlidingWindow(
      config.loginFailuresPerUsername,
      config.loginFailureWindowMs,
    );
    this.byAddress = new SlidingWindow(config.loginFailuresPerAddress, config.loginFailureWindowMs);
  }

  /** Milliseconds until a sign-in for this username from this address is allowed; 0: now. */
  retryAfterMs(username: string, address: string, now = Date.now()): number {
    return Math.max(
      this.byUsername.retryAfterMs(username, now),
      this.byAddress.retryAfterMs(address, now),
    );
  }

  failed(username: string, address: string, now = Date.now()): void {
    this.byUsername.record(username, now);
    this.byAddress.record(address, now);
  }

  /** A success clears the username's failures (not the address's: one good account proves little). */
  succeeded(username: string): void {
    this.byUsername.reset(username);
  }
}
