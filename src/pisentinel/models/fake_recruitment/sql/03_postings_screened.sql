-- Each posting against the business registry (工商登记) and its title's market pay. The
-- registry finding: the company is absent, deregistered or revoked, registered only days before
-- this posting (空壳公司), registered, or unknown (no registry given). Stored in seq order so
-- the linking step can read it in ranges.
-- The company is known by the USCC the posting gives, else the registered name's USCC, else
-- its normalised name; a posting naming a registered staffing agency ("由…人力资源…公司受托招聘")
-- or posted by one is marked, because one agency phone behind many client companies is lawful.
WITH registry_rows AS (
    SELECT
        regexp_replace(replace(replace(coalesce(company_name, ''), '（', '('), '）', ')'),
                       '\s+', '', 'g') AS company_norm,
        upper(regexp_replace(coalesce(uscc, ''), '[^0-9A-Za-z]', '', 'g')) AS uscc,
        CASE
            WHEN regexp_matches(coalesce(status, ''), '注销|吊销|撤销|撤消') THEN 'deregistered'
            WHEN regexp_matches(coalesce(status, ''), '异常') THEN 'abnormal'
            ELSE 'active'
        END AS status_class,
        TRY_CAST(regexp_extract(
            replace(replace(replace(replace(coalesce(registered_at, ''), '年', '-'), '月', '-'),
                            '日', ''), '/', '-'),
            '([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})', 1) AS DATE) AS registered_date,
        regexp_matches(coalesce(business_scope, ''),
                       '人力资源服务|劳务派遣|职业中介|人才中介|人才招聘|劳务服务') AS hr_scope
    FROM registry_in
),
by_name AS (
    SELECT *
    FROM (SELECT *, row_number() OVER (PARTITION BY company_norm
                                       ORDER BY registered_date DESC, uscc) AS k
          FROM registry_rows WHERE company_norm <> '') AS r
    WHERE k = 1
),
by_uscc AS (
    SELECT *
    FROM (SELECT *, row_number() OVER (PARTITION BY uscc
                                       ORDER BY registered_date DESC, company_norm) AS k
          FROM registry_rows WHERE length(uscc) = 18) AS r
    WHERE k = 1
),
has_registry AS (
    SELECT count(*) > 0 AS available FROM registry_rows
),
named AS (
    SELECT
        p.*,
        regexp_extract(regexp_replace(p.description, '\s+', '', 'g'),
            '由([^，。；！,由]{2,30}?(人力资源|劳务|人才|职业介绍|中介)[^，。；！,]{0,12}?公司)', 1)
            AS agency_named
    FROM posting_signals AS p
)
SELECT
    p.seq, p.posting_id, p._source, p._row, p.company_name, p.company_norm, p.title,
    p.title_norm, p.description, p.posted_date, p.platform, p.city, p.salary_min, p.salary_max,
    p.phone, p.wechat, p.asks_pi, p.asks_fee, p.lures, p.private_im,
    coalesce(p.uscc, n.uscc) AS uscc,
    coalesce(p.uscc, nullif(n.uscc, ''), 'NAME:' || p.company_norm) AS company_key,
    h.available AS registry_available,
    (u.uscc IS NOT NULL OR n.company_norm IS NOT NULL) AS registered,
    coalesce(u.status_class, n.status_class) AS registry_status,
    coalesce(u.registered_date, n.registered_date) AS registered_date,
    coalesce(u.hr_scope, n.hr_scope, FALSE) AS company_is_agency,
    (a.hr_scope IS NOT NULL AND a.hr_scope) OR (NOT h.available AND p.agency_named <> '')
        AS via_agency,
    CASE
        WHEN NOT h.available THEN 'unknown'
        WHEN u.uscc IS NULL AND n.company_norm IS NULL THEN 'absent'
        WHEN coalesce(u.status_class, n.status_class) = 'deregistered' THEN 'deregistered'
        WHEN date_diff('day', coalesce(u.registered_date, n.registered_date), p.posted_date)
             <= {{ new_company_days }} THEN 'new'
        ELSE 'registered'
    END AS registry_finding,
    m.median_max AS title_median_max,
    (m.postings >= {{ min_title_postings }}
     AND p.salary_max >= {{ pay_ratio }} * m.median_max) AS bait_pay
FROM named AS p
CROSS JOIN has_registry AS h
LEFT JOIN by_uscc AS u ON u.uscc = p.uscc
LEFT JOIN by_name AS n ON n.company_norm = p.company_norm
LEFT JOIN by_name AS a ON a.company_norm = p.agency_named AND p.agency_named <> ''
LEFT JOIN title_market AS m ON m.title_norm = p.title_norm
ORDER BY p.seq
