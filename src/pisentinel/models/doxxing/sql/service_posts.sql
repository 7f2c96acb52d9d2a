-- 开盒 / 社工库 / 查档 service ads and price lists: a service word with a price or a way to
-- order, in a post that is not news or a warning about such services.
SELECT
  _source, _row, post_key, channel, author, platform, posted_ts, views_n, price_yuan
FROM post_signals
WHERE service_cue AND commerce_cue AND NOT warning_cue
