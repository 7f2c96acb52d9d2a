-- Employers judged on their own postings, outside the schemes already flagged: a company whose
-- postings ask for ID photos, bank cards or fees is a lead even when its texts are its own.
-- Same points as schemes for content and registry; no contact or template points.
WITH flagged AS (
    SELECT DISTINCT p.company_key
    FROM postings_screened AS p
    JOIN posting_schemes AS s ON s.seq = p.seq
    JOIN schemes AS f ON f.scheme = s.scheme
),
own AS (
    SELECT p.*
    FROM postings_screened AS p
    LEFT JOIN flagged AS f ON f.company_key = p.company_key
    WHERE f.company_key IS NULL
),
agg AS (
    SELECT
        company_key,
        count(*) AS postings,
        count(DISTINCT city) AS cities,
        count_if(asks_pi) AS n_pi,
        count_if(asks_fee) AS n_fee,
        count_if(lures) AS n_lure,
        count_if(bait_pay) AS n_bait_pay,
        count_if(private_im) AS n_private_im,
        count_if(via_agency OR company_is_agency) AS n_agency,
        min(posted_date) AS first_posted,
        max(posted_date) AS last_posted,
        bool_or(registry_finding IN ('absent', 'deregistered')) AS gone,
        bool_or(registry_finding = 'new') AS is_new
    FROM own
    GROUP BY company_key
),
scored AS (
    SELECT
        *,
        CASE WHEN n_pi >= {{ signal_share }} * postings THEN 2 ELSE 0 END AS pts_pi,
        CASE WHEN n_fee >= {{ signal_share }} * postings THEN 2 ELSE 0 END AS pts_fee,
        CASE WHEN n_lure >= {{ signal_share }} * postings THEN 2 ELSE 0 END AS pts_lure,
        CASE WHEN n_bait_pay >= {{ signal_share }} * postings THEN 1 ELSE 0 END AS pts_bait_pay,
        CASE WHEN n_private_im >= {{ signal_share }} * postings THEN 1 ELSE 0 END
            AS pts_private_im,
        0 AS pts_contact,
        0 AS pts_template,
        CASE WHEN gone THEN 2 WHEN is_new THEN 1 ELSE 0 END AS pts_registry
    FROM agg
)
SELECT
    *,
    pts_pi + pts_fee + pts_lure + pts_bait_pay + pts_private_im + pts_registry AS points
FROM scored
WHERE pts_pi + pts_fee + pts_lure + pts_bait_pay + pts_private_im + pts_registry
      >= {{ min_points }}
