-- One clean row per booking: ID numbers without spaces (upper-case X), timestamps in either
-- export format, the channel's kind, the check-in result as true/false/unknown, and how many
-- seconds after the slot's release the booking was made. A booking exported twice (same
-- booking number) is kept once; rows without an account or an ID number cannot link anyone.
WITH cleaned AS (
    SELECT
        _source,
        _row,
        nullif(trim(booking_id), '') AS booking_id,
        trim(account_id) AS account_id,
        upper(regexp_replace(coalesce(visitor_id_number, ''), '[^0-9Xx]', '', 'g')) AS id_number,
        coalesce(nullif(trim(venue), ''), '?') AS venue,
        TRY_CAST(replace(trim(visit_date), '/', '-') AS DATE) AS visit_date,
        TRY_CAST(replace(replace(trim(booked_at), '/', '-'), 'T', ' ') AS TIMESTAMP) AS booked_at,
        nullif(trim(visitor_name), '') AS visitor_name,
        nullif(regexp_replace(coalesce(account_phone, ''), '[^0-9]', '', 'g'), '') AS account_phone,
        nullif(trim(device_id), '') AS device_id,
        nullif(trim(ip), '') AS ip,
        coalesce(trim(channel), '') AS channel,
        nullif(trim(agency_name), '') AS agency_name,
        CASE
            WHEN lower(trim(checked_in)) IN ('是', '1', 'y', 'yes', 'true', 't', '已入馆', '已核销',
                                             '已检票', '已入园', '已使用') THEN TRUE
            WHEN lower(trim(checked_in)) IN ('否', '0', 'n', 'no', 'false', 'f', '未入馆', '未核销',
                                             '未检票', '未入园', '未使用', '爽约') THEN FALSE
            WHEN nullif(trim(checked_in_at), '') IS NOT NULL THEN TRUE
        END AS came
    FROM bookings
),
kept AS (
    SELECT *
    FROM cleaned
    WHERE account_id <> '' AND length(id_number) >= 15
    QUALIFY booking_id IS NULL
        OR row_number() OVER (PARTITION BY booking_id ORDER BY _source, _row) = 1
),
typed AS (
    SELECT
        *,
        regexp_matches(channel, '现场|自助|窗口|售票处|onsite|kiosk') AS onsite,
        regexp_matches(channel, '团队|旅行社|agency|team|group') OR agency_name IS NOT NULL
            AS team,
        year(visit_date) * 100 + month(visit_date) AS visit_month,
        TRY_CAST(substr(id_number, 7, 4) AS INTEGER) AS birth_year
    FROM kept
)
SELECT
    *,
    epoch(booked_at) - min(epoch(booked_at)) OVER (PARTITION BY venue, visit_date)
        AS after_release,
    epoch(booked_at) - min(epoch(booked_at)) OVER (PARTITION BY venue, visit_date)
        <= {{ release_seconds }} AS fast
FROM typed
