/**
 * Process metrics from prom-client's `collectDefaultMetrics` (Node.js runtime and OS process),
 * as exposed by the daemon. Three of prom-client's defaults are removed because their names
 * break the Prometheus naming rules (see `NONCONFORMING_DEFAULT_METRICS` in daemon/metrics.ts).
 * `process_open_fds`, `process_max_fds` and `process_heap_bytes` exist on Linux only.
 */
import { type MetricEntry, m } from './metrics-catalogue-types.ts';

const P = 'Process';
const LAG = 'Event-loop delay over the scrape interval (perf_hooks histogram, reset at each scrape)';

export const PROCESS_METRICS: readonly MetricEntry[] = [
  m(P, 'process_cpu_user_seconds_total', 'counter', 'seconds', {}, 'User CPU time spent.'),
  m(P, 'process_cpu_system_seconds_total', 'counter', 'seconds', {}, 'System CPU time spent.'),
  m(P, 'process_cpu_seconds_total', 'counter', 'seconds', {}, 'User and system CPU time spent.'),
  m(
    P,
    'process_start_time_seconds',
    'gauge',
    'seconds since the Unix epoch',
    {},
    'When the process started (restarts show as a step).',
  ),
  m(P, 'process_resident_memory_bytes', 'gauge', 'bytes', {}, 'Resident memory size.'),
  m(P, 'process_virtual_memory_bytes', 'gauge', 'bytes', {}, 'Virtual memory size.'),
  m(P, 'process_heap_bytes', 'gauge', 'bytes', {}, 'Process heap size.'),
  m(P, 'process_open_fds', 'gauge', 'file descriptors', {}, 'Open file descriptors.'),
  m(P, 'process_max_fds', 'gauge', 'file descriptors', {}, 'Maximum open file descriptors.'),
  m(
    P,
    'nodejs_eventloop_lag_seconds',
    'gauge',
    'seconds',
    {},
    'Event-loop lag measured by a timer at scrape time.',
  ),
  m(P, 'nodejs_eventloop_lag_min_seconds', 'gauge', 'seconds', {}, `${LAG}: minimum.`),
  m(P, 'nodejs_eventloop_lag_max_seconds', 'gauge', 'seconds', {}, `${LAG}: maximum.`),
  m(P, 'nodejs_eventloop_lag_mean_seconds', 'gauge', 'seconds', {}, `${LAG}: mean.`),
  m(P, 'nodejs_eventloop_lag_stddev_seconds', 'gauge', 'seconds', {}, `${LAG}: standard deviation.`),
  m(P, 'nodejs_eventloop_lag_p50_seconds', 'gauge', 'seconds', {}, `${LAG}: median.`),
  m(P, 'nodejs_eventloop_lag_p90_seconds', 'gauge', 'seconds', {}, `${LAG}: 90th percentile.`),
  m(P, 'nodejs_eventloop_lag_p99_seconds', 'gauge', 'seconds', {}, `${LAG}: 99th percentile.`),
  m(
    P,
    'nodejs_active_resources',
    'gauge',
    'resources',
    { type: 'async resource type (`TCPWRAP`, `Timeout`, …)' },
    'Resources keeping the event loop alive.',
  ),
  m(
    P,
    'nodejs_active_handles',
    'gauge',
    'handles',
    { type: 'libuv handle class (`Socket`, `Server`, …)' },
    'Active libuv handles; `sum()` gives the total.',
  ),
  m(
    P,
    'nodejs_active_requests',
    'gauge',
    'requests',
    { type: 'libuv request class' },
    'Active libuv requests; `sum()` gives the total.',
  ),
  m(P, 'nodejs_heap_size_total_bytes', 'gauge', 'bytes', {}, 'V8 heap size.'),
  m(P, 'nodejs_heap_size_used_bytes', 'gauge', 'bytes', {}, 'V8 heap used.'),
  m(
    P,
    'nodejs_external_memory_bytes',
    'gauge',
    'bytes',
    {},
    'Memory of C++ objects bound to JavaScript objects (buffers).',
  ),
  m(
    P,
    'nodejs_heap_space_size_total_bytes',
    'gauge',
    'bytes',
    { space: 'V8 heap space (`new`, `old`, `code`, `large_object`, …)' },
    'V8 heap space size.',
  ),
  m(
    P,
    'nodejs_heap_space_size_used_bytes',
    'gauge',
    'bytes',
    { space: 'V8 heap space' },
    'V8 heap space used.',
  ),
  m(
    P,
    'nodejs_heap_space_size_available_bytes',
    'gauge',
    'bytes',
    { space: 'V8 heap space' },
    'V8 heap space available.',
  ),
  m(
    P,
    'nodejs_version_info',
    'gauge',
    'info (always 1)',
    { version: 'Node.js version', major: 'major', minor: 'minor', patch: 'patch' },
    'The Node.js version running the daemon.',
  ),
  m(
    P,
    'nodejs_gc_duration_seconds',
    'histogram',
    'seconds',
    { kind: '`major`, `minor`, `incremental`, `weakcb`' },
    'Garbage collection pauses by kind.',
  ),
];
