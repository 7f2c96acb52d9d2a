-- One row per funeral company that reached out to a bereaved family too early: how many
-- families, how many before the hospital told them, how soon after the death, since when, and
-- how many suspected staff are strongly linked to it. Suspected: {{ min_company_contacts }}+
-- families of the deceased contacted too early.
WITH calls AS (
    SELECT *
    FROM funeral_calls
    WHERE suspicious
),
per_company AS (
    SELECT
        company_key,
        count(DISTINCT patient_key) AS families,
        count(DISTINCT phone_key) AS phones,
        count(DISTINCT CASE WHEN before_informed THEN patient_key END) AS before_informed,
        count(DISTINCT CASE WHEN early THEN patient_key END) AS early,
        count(DISTINCT patient_department) AS wards,
        min(minutes_after_death) AS min_minutes,
        avg(minutes_after_death) AS avg_minutes,
        min(contacted_at) AS first_at,
        max(contacted_at) AS last_at
    FROM calls
    GROUP BY company_key
),
sources AS (
    SELECT l.company_key, count(*) AS linked_staff
    FROM staff_company AS l
    JOIN staff_suspects AS s ON s.staff_key = l.staff_key AND s.suspect
    WHERE l.strong
    GROUP BY l.company_key
)
SELECT
    p.*,
    coalesce(s.linked_staff, 0) AS linked_staff,
    p.families >= {{ min_company_contacts }} AS suspect
FROM per_company AS p
LEFT JOIN sources AS s ON s.company_key = p.company_key
