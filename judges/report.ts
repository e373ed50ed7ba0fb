/**
 * How well the jury agrees with people. Each review pairs the jury's outcome for a command with
 * the decision a person made on it (an approval grant). The figures: raw agreement, Cohen's
 * kappa (agreement corrected for chance), the override rate (people deciding against the jury)
 * and the dissent rate (panels whose jurors split).
 */

export interface JuryReview {
  /** The panel's outcome: approve, or needs_approval (no majority for approval). */
  readonly jury: 'approve' | 'needs_approval';
  /** What the person decided. */
  readonly human: 'approve' | 'reject';
  /** The jurors' verdicts (null for a juror that gave none). */
  readonly verdicts: readonly ('approve' | 'reject' | null)[];
}

export interface AgreementReport {
  readonly reviews: number;
  /** Share of reviews where jury and person agreed (approve ↔ approve, needs_approval ↔ reject). */
  readonly agreement: number | null;
  /** Cohen's kappa; null when it is undefined (no reviews, or both always gave the same answer). */
  readonly kappa: number | null;
  /** Share of reviews where the person decided against the jury. */
  readonly overrideRate: number | null;
  /** Share of panels with both approve and reject verdicts. */
  readonly dissentRate: number | null;
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Computes the agreement figures.
 *
 * @example
 * ```ts
 * agreementReport([{ jury: 'approve', human: 'approve', verdicts: ['approve', 'approve', 'reject'] }]);
 * // { reviews: 1, agreement: 1, kappa: null, overrideRate: 0, dissentRate: 1 }
 * ```
 */
export function agreementReport(reviews: readonly JuryReview[]): AgreementReport {
  const n = reviews.length;
  if (n === 0) return { reviews: 0, agreement: null, kappa: null, overrideRate: null, dissentRate: null };
  let agree = 0;
  let juryYes = 0;
  let humanYes = 0;
  let dissent = 0;
  for (const r of reviews) {
    const j = r.jury === 'approve';
    const h = r.human === 'approve';
    if (j === h) agree++;
    if (j) juryYes++;
    if (h) humanYes++;
    if (r.verdicts.includes('approve') && r.verdicts.includes('reject')) dissent++;
  }
  const po = agree / n;
  const pe = (juryYes / n) * (humanYes / n) + (1 - juryYes / n) * (1 - humanYes / n);
  return {
    reviews: n,
    agreement: round(po),
    kappa: pe === 1 ? null : round((po - pe) / (1 - pe)),
    overrideRate: round(1 - po),
    dissentRate: round(dissent / n),
  };
}
