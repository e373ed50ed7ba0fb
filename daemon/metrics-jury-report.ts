/**
 * The jury agreement report as Prometheus gauges: the same figures `orchestrator jury report`
 * prints (agreement, Cohen's kappa, override and dissent rates, number of reviews) over the last
 * `JURY_REPORT_WINDOW_DAYS`, so a dashboard can watch whether the jury is fit to be trusted
 * before shadow mode is turned off.
 */
import { Gauge, type Registry } from 'prom-client';
import { type AgreementReport, agreementReport } from '../judges/report.ts';
import type { Ledger } from './core/types.ts';

export interface JuryReportMetricsOptions {
  /** Days of human decisions covered. @defaultValue 7 */
  readonly windowDays?: number;
  /** A scrape reuses a report computed this recently (it reads the ledger). @defaultValue 60_000 */
  readonly cacheMs?: number;
}

/**
 * Registers the gauges on `registry`; each scrape reads the ledger at most once per `cacheMs`.
 * Figures that are undefined (no reviews yet) are reported as NaN, which Prometheus keeps as
 * "no value" rather than a misleading zero.
 *
 * @example
 * ```ts
 * registerJuryReportMetrics(metrics.registry, ledger, { windowDays: 7 });
 * // orchestrator_jury_agreement_ratio 0.833
 * ```
 */
export function registerJuryReportMetrics(
  registry: Registry,
  ledger: Pick<Ledger, 'juryReviews'>,
  opts: JuryReportMetricsOptions = {},
): void {
  const windowDays = opts.windowDays ?? 7;
  const cacheMs = opts.cacheMs ?? 60_000;
  let cached: { at: number; report: Promise<AgreementReport> } | undefined;
  const report = (): Promise<AgreementReport> => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      const since = new Date(Date.now() - windowDays * 86_400_000).toISOString();
      const pending = ledger.juryReviews(since).then(agreementReport);
      // A failed read is not cached: the next scrape tries again.
      pending.catch(() => {
        if (cached?.report === pending) cached = undefined;
      });
      cached = { at: Date.now(), report: pending };
    }
    return cached.report;
  };
  const gauge = (name: string, help: string, pick: (r: AgreementReport) => number | null): void => {
    new Gauge({
      name,
      help: `${help} (last ${windowDays} days of human decisions on jury-reviewed commands)`,
      registers: [registry],
      async collect() {
        const value = pick(await report());
        this.set(value ?? Number.NaN);
      },
    });
  };
  gauge('orchestrator_jury_reviews', 'Commands both the jury and a person decided', (r) => r.reviews);
  gauge(
    'orchestrator_jury_agreement_ratio',
    'Share of reviews where the jury and the person agreed',
    (r) => r.agreement,
  );
  gauge('orchestrator_jury_cohen_kappa', "Cohen's kappa between the jury and people", (r) => r.kappa);
  gauge(
    'orchestrator_jury_override_ratio',
    'Share of reviews where the person decided against the jury',
    (r) => r.overrideRate,
  );
  gauge(
    'orchestrator_jury_dissent_ratio',
    'Share of reviewed panels whose jurors split',
    (r) => r.dissentRate,
  );
}
