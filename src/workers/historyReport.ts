/**
 * The shape of `/-/metrics/history`'s JSON, in a file of its own with no
 * imports: the server builds it (metrics.ts) and the console's dashboard
 * reads it (src/console/web/dashboard.ts, a type-only import), one type for both.
 */
/**
 * One operation's (or the whole server's) figures over a window. `Missing` is what a duration with no
 * requests behind it is: undefined in the server's own summaries (metricsHistory.ts), null in the JSON.
 */
export interface OperationFigures<Missing> {
  operation: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  /** Requests per second over the window. */
  rate: number;
  /** Errors (4xx and 5xx) per request. */
  errorRate: number;
  meanSeconds: number | Missing;
  p50Seconds: number | Missing;
  p99Seconds: number | Missing;
}

/** What `/-/metrics/history` answers (times in ISO 8601, durations in seconds, null for "none yet"). */
export interface HistoryReport {
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  now: string;
  /** From the oldest slice's start to now (up to an hour and the minute in progress). */
  windowSeconds: number;
  /** How long a slice lasts (a minute). */
  sliceSeconds: number;
  /** Over the window, by AWS operation name, busiest first. */
  operations: Array<OperationFigures<null>>;
  /** Oldest first; the last one is the minute in progress. */
  minutes: Array<{
    start: string;
    end: string;
    requests: number;
    errors4xx: number;
    errors5xx: number;
    p50Seconds: number | null;
    p99Seconds: number | null;
    operations: Record<string, { requests: number; errors4xx: number; errors5xx: number; meanSeconds: number | null; p99Seconds: number | null }>;
  }>;
  capacity: { diskTotalBytes: number; diskFreeBytes: number; databaseBytes: number; walBytes: number };
  background: {
    sweeper: {
      lastRun: string | null;
      ok: boolean | null;
      error: string | null;
      removed: { staleUploads: number; temps: number; garbage: number; orphans: number };
      garbagePending: number;
      uploadsOpen: number;
    };
    lifecycle: {
      lastRun: string | null;
      runs: number;
      failures: number;
      expired: number;
      deleteMarkers: number;
      noncurrent: number;
      uploadsAborted: number;
      held: number;
      heldVersions: number;
    };
    notifications: Array<{ target: string; pending: number; overflow: number; delivered: number; failed: number }>;
    scrub: { finishedAt: string; checked: number; bytes: number; missing: number; truncated: number; corrupt: number } | null;
  };
}
