/**
 * Circuit-breaker state in /metrics, read from the breakers at scrape time (no per-request work):
 *   penny_circuit_state{provider,model}        0 closed, 1 half-open, 2 open
 *   penny_circuit_opened_total{provider,model} times the circuit opened since start
 * Providers and models come from the configuration and the models actually called — bounded by the
 * provider model allow-lists; the label values are capped like every other label.
 */
import { Gauge, type Registry } from './prom.js';
import type { CircuitBreakers, CircuitState } from '../resilience/circuit-breaker.js';
import { BoundedLabel } from './bounded-label.js';

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

export function registerCircuitMetrics(registry: Registry, breakers: CircuitBreakers, maxModels = 100): void {
  const models = new BoundedLabel(maxModels);
  new Gauge({
    name: 'penny_circuit_state',
    help: 'Circuit breaker per provider and model: 0 closed, 1 half-open (probing), 2 open (calls refused).',
    labelNames: ['provider', 'model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of breakers.snapshot())
        this.labels(models.value(c.provider), models.value(c.model)).set(
          STATE_VALUE[breakers.stateOf(c.provider, c.model)],
        );
    },
  });
  new Gauge({
    name: 'penny_circuit_opened_total',
    help: 'Times a circuit opened since the gateway started.',
    labelNames: ['provider', 'model'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of breakers.snapshot())
        this.labels(models.value(c.provider), models.value(c.model)).set(c.opened);
    },
  });
}
