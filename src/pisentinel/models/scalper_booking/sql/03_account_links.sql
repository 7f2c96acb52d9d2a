-- Edges of the account graph: two accounts are linked when they booked at least
-- {{ min_shared_ids }} of the same ID numbers, or were used on the same device (self-service
-- kiosks excluded). ID numbers and devices seen with very many accounts (test numbers, public
-- terminals) link nothing, so they cannot glue the whole city into one component.
WITH account_ids AS (
    SELECT DISTINCT b.account_id, b.id_number
    FROM booking_facts AS b
    JOIN id_stats AS s ON s.id_number = b.id_number
    WHERE s.accounts BETWEEN 2 AND {{ max_id_accounts }}
),
id_pairs AS (
    SELECT a.account_id AS account_a, c.account_id AS account_b
    FROM account_ids AS a
    JOIN account_ids AS c ON c.id_number = a.id_number AND a.account_id < c.account_id
    GROUP BY a.account_id, c.account_id
    HAVING count(*) >= {{ min_shared_ids }}
),
account_devices AS (
    SELECT DISTINCT account_id, device_id
    FROM booking_facts
    WHERE device_id IS NOT NULL AND NOT onsite
),
shared_devices AS (
    SELECT device_id
    FROM account_devices
    GROUP BY device_id
    HAVING count(*) BETWEEN 2 AND {{ max_device_accounts }}
),
device_pairs AS (
    SELECT DISTINCT a.account_id AS account_a, c.account_id AS account_b
    FROM account_devices AS a
    JOIN shared_devices AS d ON d.device_id = a.device_id
    JOIN account_devices AS c ON c.device_id = a.device_id AND a.account_id < c.account_id
)
SELECT account_a, account_b FROM id_pairs
UNION
SELECT account_a, account_b FROM device_pairs
