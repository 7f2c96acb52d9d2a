-- Channels (or, for posts outside any channel, authors) ranked by the victims they exposed and
-- their reach: the outlets and services an investigation starts from. `doxxing_share` (dumps and
-- ads among all the actor's posts) tells a dedicated 开盒 channel from a chat group that a few
-- dumps were reposted into.
WITH activity AS (
  SELECT coalesce(d.channel, d.author) AS actor,
         CASE WHEN d.channel IS NULL THEN 'author' ELSE 'channel' END AS actor_kind,
         d.post_key, d.author, d.views_n, d.posted_ts, v.victim_token,
         d.incitement_cue AS incitement, d.has_minor AS minor, 'doxx' AS activity
  FROM doxxing_posts d
  LEFT JOIN victim_posts v ON v.post_key = d.post_key
  WHERE d.is_doxx AND coalesce(d.channel, d.author) IS NOT NULL
  UNION ALL
  SELECT coalesce(channel, author), CASE WHEN channel IS NULL THEN 'author' ELSE 'channel' END,
         post_key, author, views_n, posted_ts, CAST(NULL AS VARCHAR), FALSE, FALSE, 'ad'
  FROM service_posts
  WHERE coalesce(channel, author) IS NOT NULL
),
prices AS (
  SELECT coalesce(channel, author) AS actor, min(price_yuan) AS min_price,
         max(price_yuan) AS max_price
  FROM service_posts
  GROUP BY coalesce(channel, author)
),
summary AS (
  SELECT
    actor, actor_kind,
    count(DISTINCT victim_token) AS victims,
    count(DISTINCT CASE WHEN activity = 'doxx' THEN post_key END) AS doxx_posts,
    count(DISTINCT CASE WHEN activity = 'ad' THEN post_key END) AS ad_posts,
    count(DISTINCT author) AS authors,
    min(posted_ts) AS first_seen,
    max(posted_ts) AS last_seen,
    bool_or(incitement) AS incitement,
    bool_or(minor) AS minor
  FROM activity
  GROUP BY actor, actor_kind
),
volume AS (
  SELECT coalesce(channel, author) AS actor, count(*) AS posts
  FROM post_signals
  GROUP BY coalesce(channel, author)
),
reach AS (
  SELECT actor, CAST(sum(coalesce(views_n, 0)) AS BIGINT) AS views
  FROM (SELECT DISTINCT actor, post_key, views_n FROM activity) AS per_post
  GROUP BY actor
)
SELECT
  s.*, r.views, n.posts, p.min_price, p.max_price,
  CAST(s.doxx_posts + s.ad_posts AS DOUBLE) / n.posts AS doxxing_share,
  row_number() OVER (ORDER BY s.victims DESC, r.views DESC, s.actor) AS rank
FROM summary s
JOIN reach r ON r.actor = s.actor
JOIN volume n ON n.actor = s.actor
LEFT JOIN prices p ON p.actor = s.actor
