-- The companies each candidate scheme posts under, with the registry's word on each: absent,
-- deregistered or revoked, registered only days before its postings (空壳公司), registered.
SELECT
    s.scheme,
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
FROM postings_screened AS p
JOIN posting_schemes AS s ON s.seq = p.seq
GROUP BY s.scheme, p.company_key
