-- Every post with identifiers, scored: how many kinds of one person's identifiers it binds,
-- weighted by sensitivity (ID number 3; phone, address, school, workplace, relatives,
-- whereabouts, bank card, travel document 2 — each locates or reaches the person; the rest 1,
-- and 1 for each of the user's own identifier types, own_kinds). A post is doxxing when it binds
-- enough of them, at least one locates or reaches the person (ID, phone, address), and it is not
-- a business, official, self-published or news text — unless it carries 开盒 words, which
-- outweigh the context.
WITH scored AS (
  SELECT
    s.*, i.types, i.findings, i.id_token, i.id_masked, i.phone_token, i.phone_masked,
    i.name_token, i.name_masked, i.address_token, i.has_id, i.has_minor, i.has_phone,
    i.has_name, i.has_address, i.has_plate, i.has_bank_card, i.has_travel_document,
    i.has_account, i.has_birth_date, i.own_kinds,
    (i.has_location OR s.whereabouts_cue) AS has_whereabouts,
    CAST(i.has_id AS INTEGER) + CAST(i.has_phone AS INTEGER) + CAST(i.has_name AS INTEGER)
      + CAST(i.has_address AS INTEGER) + CAST(i.has_plate AS INTEGER)
      + CAST(i.has_bank_card AS INTEGER) + CAST(i.has_travel_document AS INTEGER)
      + CAST(i.has_account AS INTEGER) + CAST(i.has_birth_date AS INTEGER)
      + CAST((i.has_location OR s.whereabouts_cue) AS INTEGER)
      + CAST(s.school_cue AS INTEGER) + CAST(s.workplace_cue AS INTEGER)
      + CAST(s.relatives_cue AS INTEGER) + i.own_kinds AS identifier_kinds,
    3 * CAST(i.has_id AS INTEGER) + 2 * CAST(i.has_phone AS INTEGER)
      + CAST(i.has_name AS INTEGER) + 2 * CAST(i.has_address AS INTEGER)
      + CAST(i.has_plate AS INTEGER) + 2 * CAST(i.has_bank_card AS INTEGER)
      + 2 * CAST(i.has_travel_document AS INTEGER) + CAST(i.has_account AS INTEGER)
      + CAST(i.has_birth_date AS INTEGER)
      + 2 * CAST((i.has_location OR s.whereabouts_cue) AS INTEGER)
      + 2 * CAST(s.school_cue AS INTEGER) + 2 * CAST(s.workplace_cue AS INTEGER)
      + 2 * CAST(s.relatives_cue AS INTEGER) + i.own_kinds AS doxx_score,
    (s.business_cue OR s.self_cue OR s.news_cue) AS legitimate_context
  FROM post_signals s
  JOIN post_identifiers i ON i._source = s._source AND i._row = s._row
)
SELECT
  *,
  (identifier_kinds >= {{ min_identifier_kinds }}
   AND doxx_score >= {{ min_doxx_score }}
   AND (has_id OR has_phone OR has_address)
   AND (doxx_cue OR NOT legitimate_context)) AS is_doxx
FROM scored
