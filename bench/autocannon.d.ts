/*
 * The part of autocannon's programmatic API the bench uses (the package ships no types).
 */
declare module 'autocannon' {
  type Histogram = { average: number; p50: number; p90: number; p99: number; max: number };
  type Request = { method?: string; path?: string; body?: string; headers?: Record<string, string> };
  type Options = {
    url: string;
    connections?: number;
    amount?: number;
    duration?: number;
    /** Seconds before a request counts as timed out (autocannon's default: 10). */
    timeout?: number;
    requests?: Array<Request & { setupRequest?: (request: Request) => Request }>;
  };
  type Result = {
    latency: Histogram;
    requests: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
  };
  const autocannon: (options: Options) => Promise<Result>;
  export default autocannon;
}
