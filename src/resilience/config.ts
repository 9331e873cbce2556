/**
 * `circuitBreaker` in the config: per provider and model, on by default. Validated at start-up; unknown
 * fields are errors that name their path.
 */
import { z } from 'zod';
import { type BreakerOptions, DEFAULT_BREAKER } from './circuit-breaker.js';

export const circuitBreakerSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Consecutive failures (5xx, timeouts, connection failures, 429s) that open a circuit. */
  failureThreshold: z.number().int().min(1).max(1000).default(DEFAULT_BREAKER.failureThreshold),
  /** How long an open circuit refuses calls before it lets a probe through, ms. */
  coolDownMs: z.number().int().min(1).max(3_600_000).default(DEFAULT_BREAKER.coolDownMs),
  /** Calls let through at once while half-open. */
  halfOpenProbes: z.number().int().min(1).max(100).default(DEFAULT_BREAKER.halfOpenProbes),
  /** Count upstream 429s as failures. */
  countRateLimits: z.boolean().default(DEFAULT_BREAKER.countRateLimits),
});
export type CircuitBreakerConfig = z.output<typeof circuitBreakerSchema>;

export function breakerOptions(c: CircuitBreakerConfig): BreakerOptions {
  return {
    failureThreshold: c.failureThreshold,
    coolDownMs: c.coolDownMs,
    halfOpenProbes: c.halfOpenProbes,
    countRateLimits: c.countRateLimits,
  };
}
