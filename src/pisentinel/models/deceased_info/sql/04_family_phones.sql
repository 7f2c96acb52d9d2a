-- The families' phone numbers of the deceased (digits only, +86 dropped) and when the hospital
-- first told the family (the earliest time any of the patient's contacts was told).
WITH f AS (
    SELECT
        upper(regexp_replace(coalesce(patient_id, ''), '[\s　]', '', 'g')) AS patient_key,
        regexp_replace(coalesce(family_phone, ''), '[^0-9]', '', 'g') AS digits,
        nullif(trim(family_name), '') AS family_name,
        TRY_CAST(replace(regexp_replace(replace(replace(trim(informed_at), '/', '-'), 'T', ' '),
                                        '[年月]', '-', 'g'), '日', '') AS TIMESTAMP) AS informed_at
    FROM family_contacts
),
keyed AS (
    SELECT
        f.patient_key,
        CASE
            WHEN length(f.digits) = 13 AND starts_with(f.digits, '86') THEN substr(f.digits, 3, 11)
            WHEN length(f.digits) = 15 AND starts_with(f.digits, '0086') THEN substr(f.digits, 5, 11)
            ELSE f.digits
        END AS phone_key,
        f.family_name,
        f.informed_at
    FROM f
    JOIN deceased AS d ON d.patient_key = f.patient_key
),
told AS (
    SELECT patient_key, min(informed_at) AS informed_at
    FROM keyed
    GROUP BY patient_key
)
SELECT k.patient_key, k.phone_key, min(k.family_name) AS family_name, t.informed_at
FROM keyed AS k
JOIN told AS t ON t.patient_key = k.patient_key
WHERE length(k.phone_key) >= 7
GROUP BY k.patient_key, k.phone_key, t.informed_at
