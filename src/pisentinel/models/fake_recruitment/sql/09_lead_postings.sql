-- The postings behind each lead unit.
SELECT 'S' || CAST(s.scheme AS VARCHAR) AS unit, s.seq
FROM posting_schemes AS s
JOIN schemes AS f ON f.scheme = s.scheme
UNION ALL
SELECT 'C:' || p.company_key AS unit, p.seq
FROM postings_screened AS p
JOIN employers AS e ON e.company_key = p.company_key
