// The report rows that cross to the webviews: plain data, importing nothing
// (the webview bundle type-checks what it imports, without Node's types).

export interface LedgerRow {
  /** Local calendar day, YYYY-MM-DD. */
  day: string;
  agentId: string;
  agentName: string;
  runs: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum of the costs the agent reported, for runs that asked the model (not from the cache). */
  costUsd: number;
  /** Runs that asked the model but reported no cost: their cost is missing, never guessed. */
  runsWithoutCost: number;
  /** Answers from the cache: their tokens and reported cost were not spent again. */
  cacheHits: number;
  savedTokens: number;
  savedCostUsd: number;
}

/** p50/p95/p99 of one metric of one agent over some runs. */
export interface MetricRowOf<M extends string> {
  agentId: string;
  metric: M;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
}

/** A row of one local day (YYYY-MM-DD). */
export interface DailyRowOf<M extends string> extends MetricRowOf<M> {
  day: string;
}
