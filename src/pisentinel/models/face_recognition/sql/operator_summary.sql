-- One row per operator: its sites, the people enrolled, and which violations it committed where.
SELECT
  operator,
  max(operator_uscc) AS operator_uscc,
  count(*) AS sites,
  sum(enrolled) AS enrolled,
  sum(minors) AS minors,
  bool_or(filed) AS filed,
  sum(CASE WHEN v_sole_method THEN 1 ELSE 0 END) AS n_sole_method,
  sum(CASE WHEN v_no_separate_consent THEN 1 ELSE 0 END) AS n_no_separate_consent,
  sum(CASE WHEN v_minors_without_guardian THEN 1 ELSE 0 END) AS n_minors_without_guardian,
  sum(CASE WHEN v_off_device_storage THEN 1 ELSE 0 END) AS n_off_device_storage,
  sum(CASE WHEN v_no_impact_assessment THEN 1 ELSE 0 END) AS n_no_impact_assessment,
  sum(CASE WHEN v_incomplete_notice OR v_no_notice THEN 1 ELSE 0 END) AS n_notice,
  sum(CASE WHEN v_purpose_beyond_necessity THEN 1 ELSE 0 END) AS n_purpose,
  sum(enrolled) >= {{ filing_threshold }} AND NOT bool_or(filed) AS v_unfiled,
  sum(enrolled) >= {{ filing_threshold }} * {{ approaching_ratio }}
    AND sum(enrolled) < {{ filing_threshold }} AS approaching_filing
FROM site_flags
GROUP BY operator
