-- What each app can collect, by the permissions it requests: one row per app and data category,
-- with the scope's verdict (necessary, tolerated with a purpose, or unnecessary for the app type).
SELECT
    p.app,
    pc.category,
    s.name_zh,
    s.sensitive,
    s.role,
    array_to_string(list_sort(list(DISTINCT p.permission)), ', ') AS permissions,
    bool_or(pc.continuous) AS continuous,
    max(pc.continuous_zh) AS continuous_zh
FROM app_permissions p
JOIN permission_categories pc ON pc.permission = p.permission
JOIN category_scope s ON s.category = pc.category
GROUP BY p.app, pc.category, s.name_zh, s.sensitive, s.role
