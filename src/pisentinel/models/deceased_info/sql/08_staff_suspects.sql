-- One row per staff member with any unexplained read of a deceased patient's record or any
-- coincidence: how many deceased they read outside any care relationship, how many of those they
-- exported, printed or whose family contacts they opened, their busiest day, and their strongest
-- link to a funeral company. Suspected: {{ bulk_patients }}+ deceased read outside care, or
-- {{ export_patients }}+ taken out, or a strong link. The records counted against the 2017
-- thresholds are the distinct deceased read outside care plus those behind strong links.
WITH unexplained AS (
    SELECT *
    FROM deceased_access
    WHERE NOT explained
),
reads AS (
    SELECT
        staff_key,
        count(DISTINCT patient_key) AS unexplained_patients,
        count(DISTINCT CASE WHEN action_kind IN ('export', 'print', 'family_contacts')
                            THEN patient_key END) AS taken_patients,
        count(DISTINCT CASE WHEN action_kind = 'export' THEN patient_key END) AS exported_patients,
        count(DISTINCT CASE WHEN action_kind = 'family_contacts' THEN patient_key END)
            AS family_contact_patients,
        count(DISTINCT patient_department) AS wards,
        count(*) AS unexplained_accesses,
        min(accessed_at) AS first_at,
        max(accessed_at) AS last_at
    FROM unexplained
    GROUP BY staff_key
),
daily AS (
    SELECT staff_key, date_trunc('day', accessed_at) AS day, count(DISTINCT patient_key) AS n
    FROM unexplained
    GROUP BY staff_key, date_trunc('day', accessed_at)
),
peak AS (
    SELECT staff_key, max(n) AS peak_day_patients
    FROM daily
    GROUP BY staff_key
),
links AS (
    SELECT
        staff_key,
        max(coincidences) AS max_coincidences,
        max(unexplained_coincidences) AS max_unexplained_coincidences,
        count_if(strong) AS strong_companies,
        bool_or(strong) AS strong
    FROM staff_company
    GROUP BY staff_key
),
counted AS (
    SELECT staff_key, patient_key FROM unexplained
    UNION
    SELECT c.staff_key, c.patient_key
    FROM coincidences AS c
    JOIN staff_company AS s ON s.staff_key = c.staff_key AND s.company_key = c.company_key
    WHERE s.strong
),
records AS (
    SELECT staff_key, count(DISTINCT patient_key) AS deceased_records
    FROM counted
    GROUP BY staff_key
),
everyone AS (
    SELECT staff_key FROM reads
    UNION
    SELECT staff_key FROM links
)
SELECT
    e.staff_key,
    coalesce(h.home_department, '') AS department,
    coalesce(r.unexplained_patients, 0) AS unexplained_patients,
    coalesce(r.taken_patients, 0) AS taken_patients,
    coalesce(r.exported_patients, 0) AS exported_patients,
    coalesce(r.family_contact_patients, 0) AS family_contact_patients,
    coalesce(r.wards, 0) AS wards,
    coalesce(r.unexplained_accesses, 0) AS unexplained_accesses,
    coalesce(p.peak_day_patients, 0) AS peak_day_patients,
    r.first_at,
    r.last_at,
    coalesce(l.max_coincidences, 0) AS max_coincidences,
    coalesce(l.max_unexplained_coincidences, 0) AS max_unexplained_coincidences,
    coalesce(l.strong_companies, 0) AS strong_companies,
    coalesce(rc.deceased_records, 0) AS deceased_records,
    coalesce(r.unexplained_patients, 0) >= {{ bulk_patients }} AS bulk,
    coalesce(r.taken_patients, 0) >= {{ export_patients }} AS taking,
    coalesce(l.strong, FALSE) AS linked,
    coalesce(r.unexplained_patients, 0) >= {{ bulk_patients }}
        OR coalesce(r.taken_patients, 0) >= {{ export_patients }}
        OR coalesce(l.strong, FALSE) AS suspect
FROM everyone AS e
LEFT JOIN reads AS r ON r.staff_key = e.staff_key
LEFT JOIN peak AS p ON p.staff_key = e.staff_key
LEFT JOIN links AS l ON l.staff_key = e.staff_key
LEFT JOIN records AS rc ON rc.staff_key = e.staff_key
LEFT JOIN staff_departments AS h ON h.staff_key = e.staff_key
