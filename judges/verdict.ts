/**
 * A juror's answer: the zod schema that decides whether it counts, and the JSON Schema sent as
 * the structured-output format. The JSON Schema is written by hand in the subset strict
 * structured outputs accept (every property required, no additional properties, no string length
 * keywords); limits it cannot state are in descriptions and enforced by zod here. Anything zod
 * refuses counts as no approval.
 */
import { z } from 'zod';

export const RATIONALE_MAX_CHARS = 500;
export const RISK_FLAGS_MAX = 16;

export const VerdictSchema = z.strictObject({
  verdict: z.enum(['approve', 'reject']),
  confidence: z.number().min(0).max(1),
  rationale: z.string().max(RATIONALE_MAX_CHARS),
  risk_flags: z.array(z.string().min(1).max(80)).max(RISK_FLAGS_MAX),
});
export type Verdict = z.infer<typeof VerdictSchema>;

/** `response_format` for chat completions with structured outputs. */
export const VERDICT_RESPONSE_FORMAT = {
  type: 'json_schema',
  json_schema: {
    name: 'juror_verdict',
    strict: true,
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['verdict', 'confidence', 'rationale', 'risk_flags'],
      properties: {
        verdict: { type: 'string', enum: ['approve', 'reject'] },
        confidence: {
          type: 'number',
          minimum: 0,
          maximum: 1,
          description: 'How sure you are of the verdict, from 0 to 1.',
        },
        rationale: {
          type: 'string',
          description: `Why, in at most ${RATIONALE_MAX_CHARS} characters.`,
        },
        risk_flags: {
          type: 'array',
          items: { type: 'string', description: 'A short snake_case risk label.' },
          maxItems: RISK_FLAGS_MAX,
        },
      },
    },
  },
} as const;

/** Parses a juror's message content; `undefined` when it is not a valid verdict. */
export function parseVerdict(content: string | null | undefined): Verdict | undefined {
  if (typeof content !== 'string') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return undefined;
  }
  const r = VerdictSchema.safeParse(json);
  return r.success ? r.data : undefined;
}
