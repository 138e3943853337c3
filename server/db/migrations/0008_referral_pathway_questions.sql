-- Pathways configured per partnership (issue 5): questions become data the partnership writes.

-- A question may carry its own text (written by the partnership) instead of a catalogue key, and
-- may say that a yes answer makes the referral immediate. Each referral keeps the questions as
-- they were asked, so that changing a pathway later never changes what an old referral shows.
alter table referrals add column questions jsonb;

-- Referrals sent before this migration were asked their pathway's questions as they stand now.
update referrals set questions = referral_pathways.questions
  from referral_pathways where referrals.pathway_id = referral_pathways.id;

-- Right Care, Right Person: a real and immediate risk to life means an immediate response.
update referral_pathways
  set questions = (
    select jsonb_agg(case when question->>'key' = 'riskToLife' then question || '{"immediateIfYes":true}'::jsonb else question end order by position)
    from jsonb_array_elements(questions) with ordinality as asked(question, position))
  where code = 'concern_for_welfare_mental_health';

create unique index referral_pathways_name on referral_pathways (lower(name));
