-- Each contact (phone, WeChat, QQ) in a scheme: how many company names and cities it stands
-- behind, and how many of its postings name a registered staffing agency (a lawful reason for
-- one phone behind many clients). Rank 1 is the scheme's principal: most companies, then most
-- postings, then value.
SELECT
    s.scheme,
    c.contact_type,
    c.contact_value,
    count(DISTINCT p.company_key) AS companies,
    count(*) AS postings,
    count(DISTINCT p.city) AS cities,
    bool_and(c.in_text) AS only_in_text,
    count_if(p.via_agency OR p.company_is_agency) AS agency_postings,
    row_number() OVER (PARTITION BY s.scheme
                       ORDER BY count(DISTINCT p.company_key) DESC, count(*) DESC,
                                c.contact_value, c.contact_type) AS contact_rank
FROM posting_contacts AS c
JOIN postings_screened AS p ON p.seq = c.seq
JOIN posting_schemes AS s ON s.seq = c.seq
GROUP BY s.scheme, c.contact_type, c.contact_value
