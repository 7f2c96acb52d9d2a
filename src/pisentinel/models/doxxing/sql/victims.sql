-- One row per victim: the posts, channels and authors that exposed them, reach, time span, and
-- what was exposed (the union over all their posts).
SELECT
  v.victim_token, v.victim_type,
  min(v.victim_display) AS victim_display,
  count(DISTINCT d.post_key) AS posts,
  count(DISTINCT d.channel) AS channels,
  count(DISTINCT d.author) AS authors,
  count(DISTINCT d.platform) AS platforms,
  CAST(sum(coalesce(d.views_n, 0)) AS BIGINT) AS views,
  min(d.posted_ts) AS first_seen,
  max(d.posted_ts) AS last_seen,
  max(d.doxx_score) AS max_score,
  max(d.identifier_kinds) AS max_kinds,
  bool_or(d.has_id) AS id_exposed,
  bool_or(d.has_phone) AS phone_exposed,
  bool_or(d.has_name) AS name_exposed,
  bool_or(d.has_address) AS address_exposed,
  bool_or(d.has_plate) AS plate_exposed,
  bool_or(d.has_bank_card) AS bank_card_exposed,
  bool_or(d.has_travel_document) AS travel_document_exposed,
  bool_or(d.has_account) AS account_exposed,
  bool_or(d.has_whereabouts) AS whereabouts_exposed,
  bool_or(d.school_cue) AS school_exposed,
  bool_or(d.workplace_cue) AS workplace_exposed,
  bool_or(d.relatives_cue) AS relatives_exposed,
  bool_or(d.has_minor) AS minor,
  bool_or(d.incitement_cue) AS incitement,
  bool_or(d.doxx_cue) AS doxx_words
FROM victim_posts v
JOIN doxxing_posts d ON d.post_key = v.post_key
GROUP BY v.victim_token, v.victim_type
