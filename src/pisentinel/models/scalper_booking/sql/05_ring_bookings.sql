-- The bookings of rings that used enough distinct ID numbers to matter (most accounts, the
-- families, drop out here), with what is known about each booking's ID number.
WITH candidates AS (
    SELECT ring_id
    FROM account_stats
    GROUP BY ring_id
    HAVING sum(distinct_ids) >= {{ min_ring_ids }}
)
SELECT
    b.*,
    a.ring_id,
    s.pooled,
    s.repeated,
    s.accounts AS id_accounts,
    s.bookings AS id_bookings,
    s.max_month_bookings
FROM booking_facts AS b
JOIN account_stats AS a ON a.account_id = b.account_id
JOIN candidates AS c ON c.ring_id = a.ring_id
JOIN id_stats AS s ON s.id_number = b.id_number
