-- Risk points per ring, and which rings become leads. A legitimate group organiser (whole
-- tour groups or classes, almost every ID number booked once) scores only on what no organiser
-- does: pooled ID numbers, repeated registration, mass no-shows.
WITH judged AS (
    SELECT
        *,
        group_bookings >= {{ organiser_share }} * bookings
            AND once_ids >= {{ organiser_share }} * distinct_ids AS organiser_pattern
    FROM ring_stats
),
signals AS (
    SELECT
        *,
        pooled_ids >= greatest(3, 0.1 * distinct_ids) AS s_pooled,
        CASE
            WHEN repeated_ids >= 3 AND repeated_ids >= {{ repeat_share }} * distinct_ids THEN 2
            WHEN repeated_ids >= greatest(3, 0.1 * distinct_ids) THEN 1
            ELSE 0
        END AS repeat_points,
        past_bookings >= {{ min_past_bookings }}
            AND no_shows >= {{ no_show_rate }} * past_bookings AS s_no_show,
        NOT organiser_pattern AND fast_bookings >= {{ release_share }} * bookings
            AND (shared_devices + shared_ips > 0 OR fast_bookings >= {{ min_fast_bookings }})
            AS s_release,
        NOT organiser_pattern AND distinct_ids >= 2 * {{ family_max_ids }}
            AND group_bookings < 0.5 * bookings AS s_scattered,
        NOT organiser_pattern AND shared_devices > 0 AS s_shared_device
    FROM judged
)
SELECT
    *,
    CAST(s_pooled AS INTEGER) + repeat_points + CAST(s_no_show AS INTEGER)
        + CAST(s_release AS INTEGER) + CAST(s_scattered AS INTEGER)
        + CAST(s_shared_device AS INTEGER) AS points,
    distinct_ids >= {{ min_ring_ids }}
        AND CAST(s_pooled AS INTEGER) + repeat_points + CAST(s_no_show AS INTEGER)
            + CAST(s_release AS INTEGER) + CAST(s_scattered AS INTEGER)
            + CAST(s_shared_device AS INTEGER) >= {{ min_points }} AS flagged
FROM signals
