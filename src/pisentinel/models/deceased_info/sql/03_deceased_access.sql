-- Every access to a deceased patient's record from the death ({{ death_skew_minutes }} minutes of
-- recording skew allowed) to {{ window_days }} days after it, tested against the explanations a
-- hospital has for it (explanation-based auditing): the attending doctor, staff of the patient's
-- ward, staff who read the record while the patient was alive (at least {{ care_lead_minutes }}
-- minutes before the death: care, a consultation, the night on-call doctor's rescue), and departments whose duty is to read every death (records, quality control, preventive
-- care reporting to the disease-control system). An access none of them explains is unexplained.
WITH a AS (
    SELECT
        _source,
        _row,
        upper(regexp_replace(coalesce(staff_id, ''), '[\s　]', '', 'g')) AS staff_key,
        regexp_replace(coalesce(staff_department, ''), '[\s　]', '', 'g') AS row_department,
        upper(regexp_replace(coalesce(patient_id, ''), '[\s　]', '', 'g')) AS patient_key,
        lower(trim(coalesce(action, ''))) AS action_text,
        TRY_CAST(replace(regexp_replace(replace(replace(trim("at"), '/', '-'), 'T', ' '),
                                        '[年月]', '-', 'g'), '日', '') AS TIMESTAMP) AS accessed_at,
        nullif(trim(terminal), '') AS terminal
    FROM access_log
),
j AS (
    SELECT
        a._source,
        a._row,
        a.staff_key,
        a.patient_key,
        a.accessed_at,
        a.terminal,
        CASE
            WHEN regexp_matches(a.action_text, '导出|下载|拷贝|export|download') THEN 'export'
            WHEN regexp_matches(a.action_text, '打印|print') THEN 'print'
            WHEN regexp_matches(a.action_text, '家属|联系|contact') THEN 'family_contacts'
            WHEN regexp_matches(a.action_text, '查询|检索|query|search') THEN 'query'
            ELSE 'view'
        END AS action_kind,
        coalesce(nullif(a.row_department, ''), s.home_department, '') AS staff_department,
        coalesce(nullif(regexp_replace(upper(a.row_department),
                                       '[一二三四五六七八九十0-9]*(病区|病房|护理单元)$', '', 'g'), ''),
                 s.home_dept_key, '') AS staff_dept_key,
        d.died_at,
        d.department AS patient_department,
        d.dept_key AS patient_dept_key,
        d.attending_key,
        d.patient_name
    FROM a
    JOIN deceased AS d ON d.patient_key = a.patient_key
    LEFT JOIN staff_departments AS s ON s.staff_key = a.staff_key
    WHERE a.staff_key <> '' AND a.accessed_at IS NOT NULL
),
care AS (
    SELECT staff_key, patient_key, min(accessed_at) AS first_at
    FROM j
    GROUP BY staff_key, patient_key
),
tested AS (
    SELECT
        j.*,
        (epoch(j.accessed_at) - epoch(j.died_at)) / 60 AS minutes_after_death,
        coalesce(j.staff_key = j.attending_key, FALSE) AS by_attending,
        j.staff_dept_key <> '' AND j.staff_dept_key = j.patient_dept_key AS by_ward,
        epoch(c.first_at) <= epoch(j.died_at) - {{ care_lead_minutes }} * 60 AS by_earlier_care,
        regexp_matches(j.staff_department, {{ role_departments }}) AS by_role
    FROM j
    JOIN care AS c ON c.staff_key = j.staff_key AND c.patient_key = j.patient_key
)
SELECT
    *,
    by_attending OR by_ward OR by_earlier_care OR by_role AS explained
FROM tested
WHERE minutes_after_death >= -{{ death_skew_minutes }}
    AND minutes_after_death <= {{ window_days }} * 1440
