-- Every finding, one row each, in one shape: the app, the kind of finding, what it is about
-- (category, permission, SDK, policy item), and where the proof is (policy sentence, request).
WITH said AS (
    SELECT app, kind, item, min(sentence_no) AS sentence_no
    FROM policy_statements
    GROUP BY app, kind, item
),
has_policy AS (
    SELECT app FROM apps WHERE policies > 0
),
unnamed_sdks AS (
    SELECT k.app, k.sdk_id, k.sdk_name, k.vendor, k.prefix
    FROM app_sdks k
    WHERE NOT EXISTS (SELECT 1 FROM said m WHERE m.app = k.app AND m.item = k.sdk_id
                      AND m.kind = 'sdk_mention')
)
-- 1. over-collection: an unnecessary category not offered as an optional function with a
--    stated purpose, or continuous (background) location whatever the policy says
SELECT c.app, 'over_collection' AS kind, c.category AS item, c.name_zh AS item_zh,
       c.permissions AS proof, CAST(NULL AS BIGINT) AS sentence_no,
       CAST(NULL AS VARCHAR) AS host, CAST(NULL AS VARCHAR) AS seen_at
FROM app_categories c
WHERE c.role = 'unnecessary'
  AND (c.continuous
       OR NOT EXISTS (SELECT 1 FROM said p WHERE p.app = c.app AND p.item = c.category
                      AND p.kind = 'purpose')
       OR NOT EXISTS (SELECT 1 FROM said o WHERE o.app = c.app AND o.item = c.category
                      AND o.kind = 'optional'))
UNION ALL
-- 2. a necessary or tolerated category the policy never mentions collecting
SELECT c.app, 'undisclosed_collection', c.category, c.name_zh, c.permissions, NULL, NULL, NULL
FROM app_categories c
WHERE c.role IN ('necessary', 'tolerated') AND c.category IN ('CAMERA', 'STORAGE', 'PHONE_NUMBER')
  AND NOT EXISTS (SELECT 1 FROM said p WHERE p.app = c.app AND p.item = c.category
                  AND p.kind = 'collects')
UNION ALL
-- 3. location (行踪轨迹, sensitive) without a separate-consent statement for it
SELECT c.app, 'whereabouts_without_separate_consent', c.category, c.name_zh, c.permissions,
       NULL, NULL, NULL
FROM app_categories c
WHERE c.category = 'LOCATION'
  AND NOT EXISTS (SELECT 1 FROM said s WHERE s.app = c.app AND s.item = 'LOCATION'
                  AND s.kind = 'separate_consent')
UNION ALL
-- 4. an SDK in the code that the policy does not name; sentences naming only its provider's
--    company (and no SDK) cover as many of that provider's unnamed SDKs as there are sentences
SELECT u.app, 'undisclosed_sdk', u.sdk_id, u.sdk_name, u.prefix, NULL, NULL, NULL
FROM unnamed_sdks u
JOIN (SELECT app, vendor, count(*) AS n FROM unnamed_sdks GROUP BY app, vendor) per_vendor
  ON per_vendor.app = u.app AND per_vendor.vendor = u.vendor
LEFT JOIN (SELECT app, item, count(DISTINCT sentence_no) AS n FROM policy_statements
           WHERE kind = 'vendor_mention' GROUP BY app, item) lines
  ON lines.app = u.app AND lines.item = u.sdk_id
WHERE coalesce(lines.n, 0) < per_vendor.n
UNION ALL
-- 5. the policy says it does not collect what the app asks for
SELECT c.app, 'policy_contradiction', c.category, c.name_zh, c.permissions, d.sentence_no,
       NULL, NULL
FROM app_categories c
JOIN said d ON d.app = c.app AND d.item = c.category AND d.kind = 'denies'
WHERE NOT EXISTS (SELECT 1 FROM said p WHERE p.app = c.app AND p.item = c.category
                  AND p.kind = 'collects')
UNION ALL
-- 6. PIPL Art. 17 items missing from the policy
SELECT h.app, 'missing_notice_item', i.item, i.name_zh, NULL, NULL, NULL, NULL
FROM has_policy h
CROSS JOIN art17_items i
WHERE NOT EXISTS (SELECT 1 FROM said a WHERE a.app = h.app AND a.item = i.item
                  AND a.kind = 'art17')
UNION ALL
-- 7. no policy at all
SELECT a.app, 'no_policy', 'POLICY', '隐私政策', NULL, NULL, NULL, NULL
FROM apps a
WHERE a.policies = 0
UNION ALL
-- 8. personal information sent before the user agreed, 9. sent in clear text
SELECT t.app, 'pre_consent_transmission', t.categories, NULL, NULL, NULL, t.host, t.time
FROM traffic t
WHERE t.before_consent AND t.categories <> ''
UNION ALL
SELECT t.app, 'cleartext_transmission', t.categories, NULL, NULL, NULL, t.host, t.time
FROM traffic t
WHERE t.scheme = 'http' AND t.categories <> ''
