-- Per account: its ring (an account without links is a ring of its own), how many people it
-- booked for, and how many of its bookings used pooled or repeatedly registered ID numbers
-- (the ring's organiser is the account with most of those).
SELECT
    b.account_id,
    coalesce(min(r.ring_id), b.account_id) AS ring_id,
    count(*) AS bookings,
    count(DISTINCT b.id_number) AS distinct_ids,
    count_if(s.pooled OR s.repeated) AS hot_bookings,
    count_if(b.team) AS team_bookings,
    max(b.agency_name) AS agency_name
FROM booking_facts AS b
JOIN id_stats AS s ON s.id_number = b.id_number
LEFT JOIN ring_members AS r ON r.account_id = b.account_id
GROUP BY b.account_id
