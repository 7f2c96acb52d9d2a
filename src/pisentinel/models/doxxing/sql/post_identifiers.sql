-- Per post: which identifier types the detector found, and the keys of the person the post is
-- about: the first ID number, phone and name that are not a relative's (no 父亲/母亲/… earlier in
-- the same clause, and not written right after a later name: 谭某 … 毛某，电话138… gives 毛某's
-- phone, a relative listed without the word), and the first address. The victim of a dump is
-- named first, relatives after; their details still count as exposed, but do not name the victim.
-- `own_kinds` counts the user's own identifier types (a rules file's 学号, 工号; table own_types,
-- empty without rules) found in the post, each a kind of identifier of its own.
WITH later_names AS (
  SELECT _source, row_id AS _row, "end" AS name_end
  FROM post_findings
  WHERE "column" = 'text' AND type = 'PERSON_NAME'
  QUALIFY row_number() OVER (PARTITION BY _source, row_id ORDER BY start) > 1
),
of_later_name AS (
  SELECT DISTINCT f._source, f.row_id AS _row, f.start
  FROM post_findings f
  JOIN later_names n ON n._source = f._source AND n._row = f.row_id
  WHERE f."column" = 'text' AND f.type IN ('CN_ID_CARD', 'PHONE_NUMBER')
    AND n.name_end <= f.start AND f.start - n.name_end <= 6
),
located AS (
  SELECT
    f._source, f.row_id AS _row, f.type, f.token, f.masked, f.start,
    regexp_matches(
      replace(substr(p.text, greatest(f.start - 11, 0) + 1, f.start - greatest(f.start - 11, 0)),
              chr(10), '。'),
      '(父亲|母亲|爸爸|妈妈|他爸|她爸|他妈|她妈|老公|老婆|妻子|丈夫|儿子|女儿|哥哥|姐姐|弟弟|妹妹|爷爷|奶奶|家人)[^。；;]*$'
    ) OR o.start IS NOT NULL AS of_relative
  FROM post_findings f
  JOIN posts p ON p._source = f._source AND p._row = f.row_id
  LEFT JOIN of_later_name o ON o._source = f._source AND o._row = f.row_id AND o.start = f.start
  WHERE f."column" = 'text' AND f.type IN ('CN_ID_CARD', 'PHONE_NUMBER', 'PERSON_NAME', 'ADDRESS')
),
firsts AS (
  SELECT _source, _row, type, token, masked
  FROM located
  WHERE type = 'ADDRESS' OR NOT of_relative
  QUALIFY row_number() OVER (PARTITION BY _source, _row, type ORDER BY start) = 1
),
keys AS (
  SELECT
    _source, _row,
    max(CASE WHEN type = 'CN_ID_CARD' THEN token END) AS id_token,
    max(CASE WHEN type = 'CN_ID_CARD' THEN masked END) AS id_masked,
    max(CASE WHEN type = 'PHONE_NUMBER' THEN token END) AS phone_token,
    max(CASE WHEN type = 'PHONE_NUMBER' THEN masked END) AS phone_masked,
    max(CASE WHEN type = 'PERSON_NAME' THEN token END) AS name_token,
    max(CASE WHEN type = 'PERSON_NAME' THEN masked END) AS name_masked,
    max(CASE WHEN type = 'ADDRESS' THEN token END) AS address_token
  FROM firsts
  GROUP BY _source, _row
),
kinds AS (
  SELECT
    _source, row_id AS _row,
    array_to_string(list_sort(list(DISTINCT type)), ',') AS types,
    count(*) AS findings,
    count_if(type = 'CN_ID_CARD') > 0 AS has_id,
    count_if(type = 'MINOR') > 0 AS has_minor,
    count_if(type = 'PHONE_NUMBER') > 0 AS has_phone,
    count_if(type = 'PERSON_NAME') > 0 AS has_name,
    count_if(type = 'ADDRESS') > 0 AS has_address,
    count_if(type = 'LICENSE_PLATE') > 0 AS has_plate,
    count_if(type = 'BANK_CARD') > 0 AS has_bank_card,
    count_if(type IN ('PASSPORT', 'HK_MACAO_PERMIT', 'TAIWAN_PERMIT')) > 0 AS has_travel_document,
    count_if(type IN ('QQ_NUMBER', 'WECHAT_ID', 'EMAIL')) > 0 AS has_account,
    count_if(type = 'BIRTH_DATE') > 0 AS has_birth_date,
    count_if(type IN ('GPS_COORDINATE', 'WHEREABOUTS')) > 0 AS has_location
  FROM post_findings
  WHERE "column" = 'text'
  GROUP BY _source, row_id
),
own AS (
  SELECT f._source, f.row_id AS _row, count(DISTINCT f.type) AS own_kinds
  FROM post_findings f
  JOIN own_types o ON o.type = f.type
  WHERE f."column" = 'text'
  GROUP BY f._source, f.row_id
)
SELECT
  k.*, CAST(coalesce(w.own_kinds, 0) AS INTEGER) AS own_kinds, y.id_token, y.id_masked,
  y.phone_token, y.phone_masked, y.name_token, y.name_masked, y.address_token
FROM kinds k
LEFT JOIN keys y ON y._source = k._source AND y._row = k._row
LEFT JOIN own w ON w._source = k._source AND w._row = k._row
