-- One row per site: the normalised facts of its deployment and one flag per violation.
-- Yes/no answers arrive as 是/否, 有/无, Y/N, √/×, 已/未 …: yes_ means an affirmative answer.
WITH d AS (
  SELECT
    _row, _source,
    trim(site) AS site,
    trim(operator) AS operator,
    coalesce(nullif(upper(trim(operator_uscc)), ''), '') AS operator_uscc,
    trim(site_type) AS site_type,
    coalesce(trim(district), '') AS district,
    lower(trim(coalesce(face_only, ''))) AS face_only_v,
    trim(coalesce(alternatives, '')) AS alternatives,
    trim(coalesce(consent_method, '')) AS consent_method,
    lower(trim(coalesce(storage, ''))) AS storage_v,
    lower(trim(coalesce(transmits_internet, ''))) AS transmits_v,
    lower(trim(coalesce(guardian_consent, ''))) AS guardian_v,
    lower(trim(coalesce(pia_done, ''))) AS pia_v,
    lower(trim(coalesce(filing_done, ''))) AS filing_v,
    coalesce(notice_text, '') AS notice_text,
    coalesce(purpose, '') AS purpose,
    coalesce(TRY_CAST(regexp_replace(coalesce(enrolled_count, ''), '[^0-9]', '', 'g') AS BIGINT), 0)
      AS enrolled,
    coalesce(TRY_CAST(regexp_replace(coalesce(minors_enrolled, ''), '[^0-9]', '', 'g') AS BIGINT),
             CASE WHEN regexp_matches(lower(trim(coalesce(minors_enrolled, ''))),
                                      '^(是|有|y|yes|true|√|✓)') THEN 1 ELSE 0 END)
      AS minors
  FROM deployments
), f AS (
  SELECT *,
    regexp_matches(face_only_v, '^(是|有|已|y|yes|true|1|√|✓|唯一|仅)') AS face_only,
    alternatives = '' OR regexp_matches(lower(alternatives), '^(无|否|没有|n|no|none|-|—|/)$')
      AS no_alternative,
    regexp_matches(consent_method, '(单独同意|书面同意|单独授权|书面授权)')
      AND NOT regexp_matches(consent_method, '(未|没有|无)') AS separate_consent,
    regexp_matches(storage_v, '(设备|本机|终端|门禁机|本地设备|device)') AS on_device,
    regexp_matches(transmits_v, '^(是|有|y|yes|true|1|√|✓)') AS transmits,
    regexp_matches(guardian_v, '^(是|有|已|y|yes|true|1|√|✓)') AS guardian_ok,
    regexp_matches(pia_v, '^(是|有|已|y|yes|true|1|√|✓)') AS pia_ok,
    regexp_matches(filing_v, '^(是|有|已|y|yes|true|1|√|✓)') AS filed
  FROM d
)
SELECT *,
  face_only AND no_alternative AS v_sole_method,
  NOT separate_consent AS v_no_separate_consent,
  minors > 0 AND NOT guardian_ok AS v_minors_without_guardian,
  (NOT on_device OR transmits) AND NOT separate_consent AS v_off_device_storage,
  pia_v <> '' AND NOT pia_ok AS v_no_impact_assessment,
  notice_text <> '' AND NOT (regexp_matches(notice_text, '(目的|用途|用于)')
                             AND regexp_matches(notice_text, '(保存期|存储期|保留期|保存.{0,6}(天|月|年))')
                             AND regexp_matches(notice_text, '(电话|联系|邮箱)'))
    AS v_incomplete_notice,
  notice_text = '' AS v_no_notice,
  regexp_matches(purpose, '(判客|渠道|客户来源|识别.{0,4}(中介|经纪)|来访.{0,4}归属)')
    AS v_purpose_beyond_necessity
FROM f
