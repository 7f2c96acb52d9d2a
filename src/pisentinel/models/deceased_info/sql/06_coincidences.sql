-- Coincidences: a staff member opened a deceased patient's record after the death and at most
-- {{ lead_minutes }} minutes later a funeral company reached out to the family too early (one row
-- per staff member, company and patient; the access shown is the unexplained one when there is
-- one, else the first). A staff member who keeps coinciding with one company is its likely source.
WITH pairs AS (
    SELECT
        f.company_key,
        a.staff_key,
        f.patient_key,
        a._source AS access_source,
        a._row AS access_row,
        a.accessed_at AS access_at,
        a.action_kind,
        a.explained,
        a.minutes_after_death AS access_minutes,
        a.staff_department,
        f._source AS call_source,
        f._row AS call_row,
        f.contacted_at,
        f.minutes_after_death AS call_minutes,
        f.before_informed,
        f.informed_at,
        f.phone_key,
        f.died_at,
        f.patient_department,
        f.patient_name
    FROM funeral_calls AS f
    JOIN deceased_access AS a ON a.patient_key = f.patient_key
    WHERE f.suspicious
        AND epoch(a.accessed_at) <= epoch(f.contacted_at)
        AND epoch(f.contacted_at) - epoch(a.accessed_at) <= {{ lead_minutes }} * 60
),
ranked AS (
    SELECT
        *,
        min(CASE WHEN explained THEN 1 ELSE 0 END)
            OVER (PARTITION BY company_key, staff_key, patient_key) = 0 AS unexplained,
        max(CASE WHEN action_kind IN ('export', 'print', 'family_contacts') THEN 1 ELSE 0 END)
            OVER (PARTITION BY company_key, staff_key, patient_key) = 1 AS took_contacts,
        row_number() OVER (PARTITION BY company_key, staff_key, patient_key
                           ORDER BY explained, contacted_at, access_at, access_source, access_row)
            AS rn
    FROM pairs
)
SELECT *
FROM ranked
WHERE rn = 1
