-- Résumés delivered to each lead unit's postings and the distinct job seekers behind them (by
-- phone, else name): the people whose information the scheme obtained.
WITH apps AS (
    SELECT
        trim(posting_id) AS posting_id,
        nullif(regexp_replace(coalesce(applicant_phone, ''), '[^0-9]', '', 'g'), '') AS phone,
        nullif(trim(applicant_name), '') AS name
    FROM applications_in
)
SELECT
    l.unit,
    count(*) AS applications,
    count(DISTINCT coalesce(a.phone, 'NAME:' || a.name)) AS applicants
FROM lead_postings AS l
JOIN postings_screened AS p ON p.seq = l.seq
JOIN apps AS a ON a.posting_id = p.posting_id
GROUP BY l.unit
