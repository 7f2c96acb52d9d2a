-- Each lead unit's companies with the registry's word on each (evidence).
SELECT
    l.unit,
    p.company_key,
    min(p.company_name) AS company_name,
    min(p.uscc) AS uscc,
    count(*) AS postings,
    count(DISTINCT p.city) AS cities,
    min(p.posted_date) AS first_posted,
    min(p.registered_date) AS registered_date,
    CASE
        WHEN bool_or(p.registry_finding = 'absent') THEN 'absent'
        WHEN bool_or(p.registry_finding = 'deregistered') THEN 'deregistered'
        WHEN bool_or(p.registry_finding = 'new') THEN 'new'
        WHEN bool_or(p.registry_finding = 'registered') THEN 'registered'
        ELSE 'unknown'
    END AS registry_finding
FROM lead_postings AS l
JOIN postings_screened AS p ON p.seq = l.seq
GROUP BY l.unit, p.company_key
