-- Per ring: size (accounts, devices, IPs, distinct ID numbers = affected people), the share of
-- bookings made in whole-group parties (tour groups, school classes), ID numbers booked only
-- once, pooled and repeatedly registered ID numbers, release-second bookings, no-shows,
-- minors among the people used, and the organiser (the account with most pooled/repeated use).
WITH parties AS (
    SELECT ring_id, account_id, visit_date, count(DISTINCT id_number) AS party
    FROM ring_bookings
    GROUP BY ring_id, account_id, visit_date
),
grouped AS (
    SELECT b.ring_id, count(*) AS group_bookings
    FROM ring_bookings AS b
    JOIN parties AS p
        ON p.ring_id = b.ring_id AND p.account_id = b.account_id AND p.visit_date = b.visit_date
    WHERE p.party >= {{ group_min }}
    GROUP BY b.ring_id
),
device_use AS (
    SELECT ring_id, device_id
    FROM ring_bookings
    WHERE device_id IS NOT NULL AND NOT onsite
    GROUP BY ring_id, device_id
    HAVING count(DISTINCT account_id) >= {{ shared_device_accounts }}
),
ip_use AS (
    SELECT ring_id, ip
    FROM ring_bookings
    WHERE ip IS NOT NULL AND NOT onsite
    GROUP BY ring_id, ip
    HAVING count(DISTINCT account_id) >= {{ shared_device_accounts }}
),
ring_ids AS (
    SELECT ring_id, id_number, count(*) AS ring_id_bookings
    FROM ring_bookings
    GROUP BY ring_id, id_number
),
shared AS (
    SELECT ring_id, sum(devices) AS shared_devices, sum(ips) AS shared_ips
    FROM (SELECT ring_id, 1 AS devices, 0 AS ips FROM device_use
          UNION ALL
          SELECT ring_id, 0 AS devices, 1 AS ips FROM ip_use) AS u
    GROUP BY ring_id
),
busiest AS (
    SELECT ring_id, max(ring_id_bookings) AS max_id_bookings
    FROM ring_ids
    GROUP BY ring_id
),
organisers AS (
    SELECT ring_id, account_id AS organiser, agency_name AS organiser_agency,
           team_bookings * 2 > bookings AS organiser_team
    FROM account_stats
    WHERE ring_id IN (SELECT ring_id FROM ring_ids)
    QUALIFY row_number() OVER (PARTITION BY ring_id
                               ORDER BY hot_bookings DESC, bookings DESC, account_id) = 1
),
base AS (
    SELECT
        ring_id,
        count(DISTINCT account_id) AS accounts,
        count(DISTINCT id_number) AS distinct_ids,
        count(*) AS bookings,
        count(DISTINCT CASE WHEN pooled THEN id_number END) AS pooled_ids,
        count(DISTINCT CASE WHEN repeated THEN id_number END) AS repeated_ids,
        count(DISTINCT CASE WHEN id_bookings = 1 THEN id_number END) AS once_ids,
        count(DISTINCT CASE WHEN year(visit_date) - birth_year < 14 THEN id_number END)
            AS minors,
        count(DISTINCT substr(id_number, 1, 2)) AS provinces,
        count(DISTINCT device_id) AS devices,
        count(DISTINCT ip) AS ips,
        count(DISTINCT venue) AS venues,
        count(DISTINCT visit_date) AS visit_days,
        count_if(fast) AS fast_bookings,
        count_if(came IS NOT NULL) AS past_bookings,
        count_if(NOT came) AS no_shows,
        count_if(came) AS entries,
        count_if(came AND repeated) AS repeated_entries,
        count_if(team) AS team_bookings,
        count(DISTINCT visitor_name) AS names,
        strftime(min(booked_at), '%Y-%m-%d %H:%M:%S') AS first_booked,
        strftime(max(booked_at), '%Y-%m-%d %H:%M:%S') AS last_booked,
        CAST(min(visit_date) AS VARCHAR) AS first_visit,
        CAST(max(visit_date) AS VARCHAR) AS last_visit
    FROM ring_bookings
    GROUP BY ring_id
)
SELECT
    base.*,
    coalesce(g.group_bookings, 0) AS group_bookings,
    CAST(coalesce(sh.shared_devices, 0) AS BIGINT) AS shared_devices,
    CAST(coalesce(sh.shared_ips, 0) AS BIGINT) AS shared_ips,
    bu.max_id_bookings,
    o.organiser,
    o.organiser_agency,
    o.organiser_team
FROM base
LEFT JOIN grouped AS g ON g.ring_id = base.ring_id
LEFT JOIN shared AS sh ON sh.ring_id = base.ring_id
JOIN busiest AS bu ON bu.ring_id = base.ring_id
JOIN organisers AS o ON o.ring_id = base.ring_id
