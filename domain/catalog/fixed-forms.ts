import {
  APPRAISAL_TITLES,
  type AppraisalKind,
  FIVE_POINT_SCALE,
  type Form,
  OWN_WORDS,
  PEER_FEEDBACK_INTRO,
  type RatingField,
} from './forms';
/*
 * The forms whose questions are fixed: the appraisal of a cycle without a template (one overall rating
 * and the texts every appraisal asks, forms.ts's OWN_WORDS). Their schemas come from their fields
 * like every form's (answerSchema), and store the fields' values by name: { rating, achievements, growth }.
 */

export type FixedKind = AppraisalKind;

const overall = (label: string, short: string): RatingField => ({
  name: 'rating',
  type: 'rating',
  label,
  short,
  scale: FIVE_POINT_SCALE,
});

export const FIXED_FORMS: Record<FixedKind, Form> = {
  'self-assessment': {
    kind: 'self-assessment',
    ...APPRAISAL_TITLES['self-assessment'],
    intro: 'Look back on this cycle: what you achieved, what you learned, and where you want to grow next.',
    reference: [],
    sections: [
      {
        fields: [
          overall('Overall, how did this cycle go against your goals?', 'this cycle against your goals'),
          ...OWN_WORDS['self-assessment'],
        ],
      },
    ],
  },
  'peer-feedback': {
    kind: 'peer-feedback',
    ...APPRAISAL_TITLES['peer-feedback'],
    intro: PEER_FEEDBACK_INTRO,
    reference: [],
    sections: [
      {
        fields: [
          overall(
            'How well do they live our competencies and values?',
            'how they live our competencies and values',
          ),
          ...OWN_WORDS['peer-feedback'],
        ],
      },
    ],
  },
  'manager-appraisal': {
    kind: 'manager-appraisal',
    ...APPRAISAL_TITLES['manager-appraisal'],
    intro:
      'You have their self-assessment and peer feedback. Your appraisal and the development needs you see come next.',
    reference: [],
    sections: [
      {
        fields: [
          overall('Overall performance this cycle', 'overall performance this cycle'),
          ...OWN_WORDS['manager-appraisal'],
        ],
      },
    ],
  },
};

export const isFixedKind = (kind: string): kind is FixedKind => Object.hasOwn(FIXED_FORMS, kind);
