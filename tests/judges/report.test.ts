import { describe, expect, it } from 'vitest';
import { agreementReport, type JuryReview } from '../../judges/report.ts';

const r = (
  jury: JuryReview['jury'],
  human: JuryReview['human'],
  verdicts: JuryReview['verdicts'] = [],
): JuryReview => ({
  jury,
  human,
  verdicts,
});

describe('jury agreement report', () => {
  it('is empty without reviews', () => {
    expect(agreementReport([])).toEqual({
      reviews: 0,
      agreement: null,
      kappa: null,
      overrideRate: null,
      dissentRate: null,
    });
  });

  it('computes agreement, Cohen kappa, overrides and dissent', () => {
    // 2x2 table: both approve 20, both refuse 15, jury approve/person reject 5, jury refuse/person approve 10.
    const reviews = [
      ...Array.from({ length: 20 }, () => r('approve', 'approve', ['approve', 'approve', 'approve'])),
      ...Array.from({ length: 15 }, () => r('needs_approval', 'reject', ['reject', 'reject', 'approve'])),
      ...Array.from({ length: 5 }, () => r('approve', 'reject')),
      ...Array.from({ length: 10 }, () => r('needs_approval', 'approve')),
    ];
    // po = 35/50 = 0.7; pe = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = (0.7-0.5)/0.5 = 0.4
    expect(agreementReport(reviews)).toEqual({
      reviews: 50,
      agreement: 0.7,
      kappa: 0.4,
      overrideRate: 0.3,
      dissentRate: 0.3,
    });
  });

  it('leaves kappa undefined when both sides always answer the same', () => {
    expect(agreementReport([r('approve', 'approve'), r('approve', 'approve')]).kappa).toBeNull();
  });
});
