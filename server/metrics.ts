import { Registry, Counter, Histogram, collectDefaultMetrics } from 'prom-client';

/**
 * zhidu's Prometheus series, exposed through prom-client with its default
 * process metrics (CPU, memory, event-loop lag, handles). Each app has its own
 * registry: tests build several apps in one process, and their counts must not mix.
 */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Labels = Record<string, string>;

export class Metrics {
  readonly registry = new Registry();
  private readonly decisionsTotal = new Counter({ name: 'zhidu_decisions_total', help: 'Decisions recorded and returned, by rule set, version and outcome (true/false for boolean outcomes, else set/default/unset, or undetermined).', labelNames: ['ruleset', 'version', 'outcome'], registers: [this.registry] });
  private readonly errorsTotal = new Counter({ name: 'zhidu_errors_total', help: 'Requests answered with a problem, by error code and HTTP status.', labelNames: ['code', 'status'], registers: [this.registry] });
  private readonly requestSeconds = new Histogram({ name: 'zhidu_http_request_duration_seconds', help: 'Request latency by route, method and status class.', labelNames: ['route', 'method', 'status'], buckets: BUCKETS, registers: [this.registry] });
  private readonly logFailuresTotal = new Counter({ name: 'zhidu_log_write_failures_total', help: 'Decision-log writes that failed (the request was answered 503).', registers: [this.registry] });

  // The call sites pass labels first; these keep that shape over prom-client's (labels, value) API.
  readonly decisions = { inc: (labels: Labels, by = 1): void => this.decisionsTotal.inc(labels, by) };
  readonly errors = { inc: (labels: Labels, by = 1): void => this.errorsTotal.inc(labels, by) };
  readonly requests = { observe: (labels: Labels, seconds: number): void => this.requestSeconds.observe(labels, seconds) };
  readonly logFailures = { inc: (_labels: Labels = {}, by = 1): void => this.logFailuresTotal.inc(by) };

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

export function outcomeLabel(status: string, outcomeStatus: string, value: unknown): string {
  if (status === 'undetermined') return 'undetermined';
  if (typeof value === 'boolean') return String(value);
  return outcomeStatus;
}
