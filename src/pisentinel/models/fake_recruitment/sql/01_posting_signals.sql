-- One row per posting (re-crawled duplicates collapse on posting_id), with the fields cleaned
-- and the content signals a prosecutor would underline in the text:
--   asks_pi    it asks for personal information the job does not need before any interview
--              (ID-card photos, bank cards, family members' details, verification codes);
--   asks_fee   it asks for money (押金, 保证金, 服装费 …) once "不收取任何费用" and "费用由公司承担"
--              are struck out;
--   lures      刷单 / 兼职打字 / 点赞 / 垫付返佣 style bait;
--   private_im it moves the job seeker to a personal WeChat or QQ account.
-- A health certificate (food jobs) or a driving licence (drivers) is not in these patterns: the
-- job needs them.
WITH dedup AS (
    SELECT *,
           row_number() OVER (PARTITION BY trim(posting_id) ORDER BY _source, _row) AS _copy
    FROM postings_in
    WHERE posting_id IS NOT NULL AND trim(posting_id) <> ''
),
base AS (
    SELECT
        trim(posting_id) AS posting_id,
        _source,
        _row,
        trim(coalesce(company_name, '')) AS company_name,
        regexp_replace(replace(replace(coalesce(company_name, ''), '（', '('), '）', ')'),
                       '\s+', '', 'g') AS company_norm,
        trim(coalesce(title, '')) AS title,
        regexp_replace(lower(coalesce(title, '')), '[（(【\[][^）)】\]]*[）)】\]]|[0-9\s]', '',
                       'g') AS title_norm,
        coalesce(description, '') AS description,
        regexp_replace(coalesce(description, ''), '\s+', '', 'g') AS text_compact,
        TRY_CAST(regexp_extract(
            replace(replace(replace(replace(coalesce(posted_at, ''), '年', '-'), '月', '-'),
                            '日', ''), '/', '-'),
            '([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})', 1) AS DATE) AS posted_date,
        nullif(trim(platform), '') AS platform,
        nullif(trim(city), '') AS city,
        lower(trim(coalesce(salary_min, ''))) AS salary_min_text,
        lower(trim(coalesce(salary_max, ''))) AS salary_max_text,
        regexp_replace(coalesce(contact_phone, ''), '[^0-9]', '', 'g') AS phone_raw,
        nullif(lower(trim(coalesce(contact_wechat, ''))), '') AS wechat,
        upper(regexp_replace(coalesce(uscc, ''), '[^0-9A-Za-z]', '', 'g')) AS uscc_raw
    FROM dedup
    WHERE _copy = 1
),
parsed AS (
    SELECT
        *,
        CASE
            WHEN regexp_matches(salary_min_text, '^[0-9.]+万$')
                THEN TRY_CAST(replace(salary_min_text, '万', '') AS DOUBLE) * 10000
            WHEN regexp_matches(salary_min_text, '^[0-9.]+k$')
                THEN TRY_CAST(replace(salary_min_text, 'k', '') AS DOUBLE) * 1000
            ELSE TRY_CAST(salary_min_text AS DOUBLE)
        END AS salary_min,
        CASE
            WHEN regexp_matches(salary_max_text, '^[0-9.]+万$')
                THEN TRY_CAST(replace(salary_max_text, '万', '') AS DOUBLE) * 10000
            WHEN regexp_matches(salary_max_text, '^[0-9.]+k$')
                THEN TRY_CAST(replace(salary_max_text, 'k', '') AS DOUBLE) * 1000
            ELSE TRY_CAST(salary_max_text AS DOUBLE)
        END AS salary_max,
        CASE
            WHEN length(phone_raw) = 13 AND left(phone_raw, 2) = '86' THEN substr(phone_raw, 3, 11)
            WHEN length(phone_raw) >= 7 THEN phone_raw
        END AS phone,
        CASE WHEN length(uscc_raw) = 18 THEN uscc_raw END AS uscc,
        regexp_replace(
            regexp_replace(text_compact,
                '(不收|无需|免收|免|不需要|不需|拒绝|谨防|没有|零)[^，。；！,;!]{0,8}'
                || '(押金|保证金|费用|[一-龥]{1,2}费)', '', 'g'),
            '(押金|保证金|费用|[一-龥]{1,2}费)[^，。；！,;!]{0,3}(公司|单位)(承担|报销|负责)', '',
            'g') AS text_fee,
        regexp_replace(lower(text_compact), '企业微信|微信公众号|公众号', '', 'g') AS text_im
    FROM base
)
SELECT
    row_number() OVER (ORDER BY posting_id) AS seq,
    posting_id, _source, _row, company_name, company_norm, title, title_norm, description,
    posted_date, platform, city, salary_min, coalesce(salary_max, salary_min) AS salary_max,
    phone, wechat, uscc,
    regexp_matches(text_compact,
        '身份证件?(正反面|照片|相片|复印件|扫描件)|手持身份证|银行卡(号|照片|相片|账号)'
        || '|(家庭成员|父母|家人)[^，。；！]{0,3}(姓名|电话|联系方式|住址)|支付宝(账号|账户)'
        || '|验证码|征信报告') AS asks_pi,
    regexp_matches(text_fee,
        '(缴纳|交纳|先交|需交|要交|收取|支付|转账)[^，。；！,;!]{0,10}(押金|保证金|[一-龥]{1,2}费)'
        || '|(押金|保证金|[一-龥]{1,2}费)[^，。；！,;!]{0,4}[0-9一二三四五六七八九十百千]+元')
        AS asks_fee,
    regexp_matches(text_compact,
        '刷单|刷信誉|刷好评|做任务|垫付|返佣|躺赚|日赚|动动手指|点赞关注'
        || '|(在家|手机)(兼职|副业)?打字|(兼职|副业)打字') AS lures,
    (wechat IS NOT NULL
     OR regexp_matches(text_im,
        '(加|添加|联系|私聊|扫码)[^，。；！]{0,4}(微信|vx|v信|薇信|威信|qq|扣扣)'
        || '|(微信|vx|v信|薇信|qq)号?[:：]')) AS private_im
FROM parsed
