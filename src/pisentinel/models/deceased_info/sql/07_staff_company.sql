-- Each staff member × funeral company that coincided: how often, how often through an access
-- nothing explains, and what share of the staff member's reads within {{ early_minutes }} minutes
-- of a death were followed by the company's early call. A link is strong when the unexplained
-- coincidences reach {{ min_coincidences }}, or when even explained ones reach
-- {{ min_coincidences_explained }} and make {{ coincidence_share }} of the early reads (a ward
-- nurse reads every death of the ward early, so only a small share of them coincide).
WITH early_reads AS (
    SELECT staff_key, count(DISTINCT patient_key) AS early_patients
    FROM deceased_access
    WHERE minutes_after_death <= {{ early_minutes }}
    GROUP BY staff_key
),
pairs AS (
    SELECT
        staff_key,
        company_key,
        count(*) AS coincidences,
        count_if(unexplained) AS unexplained_coincidences,
        count_if(access_minutes <= {{ early_minutes }}) AS early_coincidences,
        min(access_at) AS first_at,
        max(access_at) AS last_at
    FROM coincidences
    GROUP BY staff_key, company_key
)
SELECT
    p.*,
    coalesce(e.early_patients, 0) AS early_patients,
    CAST(p.early_coincidences AS DOUBLE) / greatest(coalesce(e.early_patients, 0), 1) AS share,
    p.unexplained_coincidences >= {{ min_coincidences }}
        OR (p.coincidences >= {{ min_coincidences_explained }}
            AND CAST(p.early_coincidences AS DOUBLE) / greatest(coalesce(e.early_patients, 0), 1)
                >= {{ coincidence_share }}) AS strong
FROM pairs AS p
LEFT JOIN early_reads AS e ON e.staff_key = p.staff_key
