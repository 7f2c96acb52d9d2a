-- Per post: which identifier types the detector found, and the first one of each type (its
-- keyed token and masked form): the victim of a dump is named first, relatives after.
WITH firsts AS (
  SELECT _source, row_id AS _row, type, token, masked
  FROM post_findings
  WHERE "column" = 'text'
  QUALIFY row_number() OVER (PARTITION BY _source, row_id, type ORDER BY start, "end") = 1
),
kinds AS (
  SELECT _source, row_id AS _row,
         array_to_string(list_sort(list(DISTINCT type)), ',') AS types,
         count(*) AS findings
  FROM post_findings
  WHERE "column" = 'text'
  GROUP BY _source, row_id
)
SELECT
  f._source, f._row, k.types, k.findings,
  max(CASE WHEN type = 'CN_ID_CARD' THEN token END) AS id_token,
  max(CASE WHEN type = 'CN_ID_CARD' THEN masked END) AS id_masked,
  max(CASE WHEN type = 'PHONE_NUMBER' THEN token END) AS phone_token,
  max(CASE WHEN type = 'PHONE_NUMBER' THEN masked END) AS phone_masked,
  max(CASE WHEN type = 'PERSON_NAME' THEN token END) AS name_token,
  max(CASE WHEN type = 'PERSON_NAME' THEN masked END) AS name_masked,
  max(CASE WHEN type = 'ADDRESS' THEN token END) AS address_token,
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
FROM firsts f
JOIN kinds k ON k._source = f._source AND k._row = f._row
GROUP BY f._source, f._row, k.types, k.findings
