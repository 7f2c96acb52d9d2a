-- Funeral businesses' contacts with the families of the deceased, from {{ death_skew_minutes }}
-- minutes before to {{ contact_window_hours }} hours after the death, and whether each is a
-- leak signal: the company reached out itself (not the family's own call, not a call back within
-- {{ callback_hours }} hours of the family's call, not the hospital's registered referral) within
-- {{ early_minutes }} minutes of the death or before the hospital had told the family.
WITH c AS (
    SELECT
        _source,
        _row,
        regexp_replace(replace(replace(coalesce(company, ''), '（', '('), '）', ')'), '[\s　]', '', 'g')
            AS company_key,
        regexp_replace(coalesce(contacted_phone, ''), '[^0-9]', '', 'g') AS digits,
        TRY_CAST(replace(regexp_replace(replace(replace(trim(contacted_at), '/', '-'), 'T', ' '),
                                        '[年月]', '-', 'g'), '日', '') AS TIMESTAMP) AS contacted_at,
        regexp_matches(lower(coalesce(direction, '')), '呼入|来电|来访|inbound|incoming|被叫')
            AS inbound,
        coalesce(trim(referral_no), '') NOT IN ('', '无', '否', '-', '—', '/', 'n/a', 'none')
            AS referred,
        nullif(trim(caller), '') AS caller
    FROM funeral_contacts
),
keyed AS (
    SELECT
        c.*,
        CASE
            WHEN length(c.digits) = 13 AND starts_with(c.digits, '86') THEN substr(c.digits, 3, 11)
            WHEN length(c.digits) = 15 AND starts_with(c.digits, '0086') THEN substr(c.digits, 5, 11)
            ELSE c.digits
        END AS phone_key
    FROM c
    WHERE c.company_key <> '' AND c.contacted_at IS NOT NULL
),
linked AS (
    SELECT
        k._source,
        k._row,
        k.company_key,
        k.phone_key,
        k.contacted_at,
        k.inbound,
        k.referred,
        k.caller,
        f.patient_key,
        f.family_name,
        f.informed_at,
        d.died_at,
        d.department AS patient_department,
        d.patient_name,
        (epoch(k.contacted_at) - epoch(d.died_at)) / 60 AS minutes_after_death
    FROM keyed AS k
    JOIN family_phones AS f ON f.phone_key = k.phone_key
    JOIN deceased AS d ON d.patient_key = f.patient_key
    WHERE epoch(k.contacted_at) - epoch(d.died_at) >= -{{ death_skew_minutes }} * 60
        AND epoch(k.contacted_at) - epoch(d.died_at) <= {{ contact_window_hours }} * 3600
),
callbacks AS (
    SELECT o._source, o._row, o.patient_key
    FROM linked AS o
    JOIN keyed AS i
        ON i.company_key = o.company_key AND i.phone_key = o.phone_key AND i.inbound
    WHERE NOT o.inbound
        AND epoch(i.contacted_at) <= epoch(o.contacted_at)
        AND epoch(o.contacted_at) - epoch(i.contacted_at) <= {{ callback_hours }} * 3600
    GROUP BY o._source, o._row, o.patient_key
),
flagged AS (
    SELECT
        l.*,
        b._row IS NOT NULL AS callback,
        l.informed_at IS NOT NULL AND l.contacted_at < l.informed_at AS before_informed,
        l.minutes_after_death <= {{ early_minutes }} AS early
    FROM linked AS l
    LEFT JOIN callbacks AS b
        ON b._source = l._source AND b._row = l._row AND b.patient_key = l.patient_key
)
SELECT
    *,
    NOT inbound AND NOT referred AND NOT callback AND (early OR before_informed) AS suspicious
FROM flagged
