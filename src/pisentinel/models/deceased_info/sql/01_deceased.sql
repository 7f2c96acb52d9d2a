-- One row per deceased patient: the patient key as both files write it (upper case, no spaces),
-- the ward as a comparable key (病区/病房 suffixes and spaces dropped), the time of death in any of
-- the usual export formats, and the attending doctor's staff number. A death exported twice is
-- kept once, at its earliest recorded time.
WITH d AS (
    SELECT
        _source,
        _row,
        upper(regexp_replace(coalesce(patient_id, ''), '[\s　]', '', 'g')) AS patient_key,
        nullif(trim(patient_name), '') AS patient_name,
        regexp_replace(coalesce(department, ''), '[\s　]', '', 'g') AS department,
        regexp_replace(upper(regexp_replace(coalesce(department, ''), '[\s　]', '', 'g')),
                       '[一二三四五六七八九十0-9]*(病区|病房|护理单元)$', '', 'g') AS dept_key,
        TRY_CAST(replace(regexp_replace(replace(replace(trim(died_at), '/', '-'), 'T', ' '),
                                        '[年月]', '-', 'g'), '日', '') AS TIMESTAMP) AS died_at,
        nullif(upper(regexp_replace(coalesce(attending_staff, ''), '[\s　]', '', 'g')), '')
            AS attending_key
    FROM deaths
)
SELECT *
FROM d
WHERE patient_key <> '' AND died_at IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY patient_key ORDER BY died_at, _source, _row) = 1
