-- The market pay of a title: the median of the posted monthly maximum over every posting of
-- that title (middle row by rank, so both engines agree). Bait pay is judged against this, so a
-- senior engineer's 40,000 is ordinary and a 客服专员's 18,000 is not.
WITH ranked AS (
    SELECT
        title_norm,
        salary_max,
        row_number() OVER (PARTITION BY title_norm ORDER BY salary_max, seq) AS k,
        count(*) OVER (PARTITION BY title_norm) AS n
    FROM posting_signals
    WHERE salary_max IS NOT NULL AND salary_max > 0 AND title_norm <> ''
)
SELECT title_norm, max(n) AS postings, max(salary_max) AS median_max
FROM ranked
WHERE k = floor((n + 1) / 2)
GROUP BY title_norm
