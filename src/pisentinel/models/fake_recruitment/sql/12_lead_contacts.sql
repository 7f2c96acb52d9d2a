-- Each lead unit's contacts: how many company names, postings and cities each stands behind.
SELECT
    l.unit,
    c.contact_type,
    c.contact_value,
    count(DISTINCT p.company_key) AS companies,
    count(*) AS postings,
    count(DISTINCT p.city) AS cities,
    bool_and(c.in_text) AS only_in_text
FROM lead_postings AS l
JOIN posting_contacts AS c ON c.seq = l.seq
JOIN postings_screened AS p ON p.seq = l.seq
GROUP BY l.unit, c.contact_type, c.contact_value
