-- Each staff member's home department: the department most of their log rows give, so a row
-- with a blank or differently written department still has one to explain the access by.
WITH a AS (
    SELECT
        upper(regexp_replace(coalesce(staff_id, ''), '[\s　]', '', 'g')) AS staff_key,
        regexp_replace(coalesce(staff_department, ''), '[\s　]', '', 'g') AS department
    FROM access_log
),
counted AS (
    SELECT
        staff_key,
        regexp_replace(upper(department), '[一二三四五六七八九十0-9]*(病区|病房|护理单元)$', '', 'g')
            AS dept_key,
        min(department) AS department,
        count(*) AS n
    FROM a
    WHERE staff_key <> '' AND department <> ''
    GROUP BY 1, 2
)
SELECT staff_key, dept_key AS home_dept_key, department AS home_department
FROM counted
QUALIFY row_number() OVER (PARTITION BY staff_key ORDER BY n DESC, dept_key) = 1
