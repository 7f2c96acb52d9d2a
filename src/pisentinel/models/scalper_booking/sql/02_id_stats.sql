-- Per ID number: how many accounts booked it (a pooled ID is booked by several unrelated
-- accounts), how often it was booked in its busiest month (S6-a: the same person "entering"
-- again and again) and how often it really came in.
WITH monthly AS (
    SELECT id_number, visit_month, count(*) AS month_bookings
    FROM booking_facts
    GROUP BY id_number, visit_month
),
busiest AS (
    SELECT id_number, max(month_bookings) AS max_month_bookings
    FROM monthly
    GROUP BY id_number
)
SELECT
    b.id_number,
    count(DISTINCT b.account_id) AS accounts,
    count(*) AS bookings,
    count(DISTINCT b.visit_date) AS visit_days,
    count_if(b.came) AS entries,
    max(m.max_month_bookings) AS max_month_bookings,
    count(DISTINCT b.account_id) >= {{ pooled_id_accounts }} AS pooled,
    max(m.max_month_bookings) >= {{ repeat_entries }} AS repeated
FROM booking_facts AS b
JOIN busiest AS m ON m.id_number = b.id_number
GROUP BY b.id_number
