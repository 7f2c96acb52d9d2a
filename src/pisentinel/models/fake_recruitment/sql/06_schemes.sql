-- Score every candidate scheme on the indicators an investigator checks, and keep those that
-- reach {{ min_points }} points (评分卡):
--   2  asks for PI the job does not need          2  asks for fees or deposits
--   2  刷单 / 打字 lures                           1  pay ≥ {{ pay_ratio }}× the title's median
--   1  moves job seekers to personal WeChat / QQ
--   2  one contact behind ≥ {{ min_companies_per_contact }} company names (not an agency's)
--   1  one near-duplicate text under ≥ {{ template_companies }} company names (not an agency)
--   2  companies absent from the registry or deregistered; 1 if only newly registered
-- A content indicator counts when ≥ {{ signal_share }} of the scheme's postings carry it.
-- Only schemes spanning two or more company names; one company is judged as an employer
-- (employers.sql). The subject: the principal contact, else the first posting (no contact).
WITH postings AS (
    SELECT s.scheme, s.text_twin, p.*
    FROM postings_screened AS p
    JOIN posting_schemes AS s ON s.seq = p.seq
),
agg AS (
    SELECT
        scheme,
        count(*) AS postings,
        count(DISTINCT company_key) AS companies,
        min(company_key) AS company_key,
        count(DISTINCT city) AS cities,
        count(DISTINCT CASE WHEN text_twin THEN company_key END) AS template_companies,
        count_if(asks_pi) AS n_pi,
        count_if(asks_fee) AS n_fee,
        count_if(lures) AS n_lure,
        count_if(bait_pay) AS n_bait_pay,
        count_if(private_im) AS n_private_im,
        count_if(via_agency OR company_is_agency) AS n_agency,
        min(posted_date) AS first_posted,
        max(posted_date) AS last_posted,
        bool_or(registry_available) AS registry_available
    FROM postings
    GROUP BY scheme
),
first_posting AS (
    SELECT scheme, posting_id AS first_posting_id
    FROM (SELECT scheme, posting_id,
                 row_number() OVER (PARTITION BY scheme
                                    ORDER BY posted_date NULLS LAST, posting_id) AS k
          FROM postings) AS f
    WHERE k = 1
),
companies AS (
    SELECT
        scheme,
        count_if(registry_finding = 'absent') AS absent,
        count_if(registry_finding = 'deregistered') AS deregistered,
        count_if(registry_finding = 'new') AS new_companies
    FROM scheme_companies
    GROUP BY scheme
),
principal AS (
    SELECT scheme, contact_type, contact_value, companies AS contact_companies,
           postings AS contact_postings, agency_postings AS contact_agency_postings
    FROM scheme_contacts
    WHERE contact_rank = 1
),
scored AS (
    SELECT
        a.*,
        f.first_posting_id,
        c.absent, c.deregistered, c.new_companies,
        t.contact_type, t.contact_value,
        coalesce(t.contact_companies, 0) AS contact_companies,
        coalesce(t.contact_postings, 0) AS contact_postings,
        a.n_agency >= 0.5 * a.postings AS agency_explained,
        CASE WHEN a.n_pi >= {{ signal_share }} * a.postings THEN 2 ELSE 0 END AS pts_pi,
        CASE WHEN a.n_fee >= {{ signal_share }} * a.postings THEN 2 ELSE 0 END AS pts_fee,
        CASE WHEN a.n_lure >= {{ signal_share }} * a.postings THEN 2 ELSE 0 END AS pts_lure,
        CASE WHEN a.n_bait_pay >= {{ signal_share }} * a.postings THEN 1 ELSE 0 END
            AS pts_bait_pay,
        CASE WHEN a.n_private_im >= {{ signal_share }} * a.postings THEN 1 ELSE 0 END
            AS pts_private_im,
        CASE WHEN coalesce(t.contact_companies, 0) >= {{ min_companies_per_contact }}
                  AND t.contact_agency_postings < 0.5 * t.contact_postings
             THEN 2 ELSE 0 END AS pts_contact,
        CASE WHEN a.template_companies >= {{ template_companies }}
                  AND a.n_agency < 0.5 * a.postings THEN 1 ELSE 0 END AS pts_template,
        CASE
            WHEN c.absent + c.deregistered >= {{ signal_share }} * a.companies THEN 2
            WHEN c.absent + c.deregistered + c.new_companies
                 >= {{ signal_share }} * a.companies THEN 1
            ELSE 0
        END AS pts_registry
    FROM agg AS a
    JOIN first_posting AS f ON f.scheme = a.scheme
    JOIN companies AS c ON c.scheme = a.scheme
    LEFT JOIN principal AS t ON t.scheme = a.scheme
),
totals AS (
    SELECT
        *,
        pts_pi + pts_fee + pts_lure + pts_bait_pay + pts_private_im + pts_contact
            + pts_template + pts_registry AS points
    FROM scored
)
SELECT
    *,
    CASE WHEN contact_value IS NOT NULL THEN contact_type ELSE 'RECRUITMENT_SCHEME' END
        AS subject_type,
    CASE WHEN contact_value IS NOT NULL THEN contact_value ELSE first_posting_id END
        AS subject_value
FROM totals
WHERE points >= {{ min_points }} AND companies >= 2
