-- One row per post (duplicates by post id collapsed): the context cues around the identifiers.
-- Cues say what kind of post it is (a 开盒 dump, a business ad, a résumé, news), not who it is
-- about; who it is about comes from the detector's findings (post_identifiers).
WITH posts_keyed AS (
  SELECT
    _source, _row, text, channel, author_id, platform, url,
    coalesce(nullif(trim(post_id), ''), _source || '#' || CAST(_row AS VARCHAR)) AS post_key,
    posted_at, views
  FROM posts
  WHERE text IS NOT NULL AND length(trim(text)) > 0
)
SELECT
  _source, _row, post_key,
  nullif(trim(channel), '') AS channel,
  nullif(trim(author_id), '') AS author,
  nullif(trim(platform), '') AS platform,
  TRY_CAST(replace(trim(posted_at), '/', '-') AS TIMESTAMP) AS posted_ts,
  CASE
    WHEN views LIKE '%万%'
      THEN CAST(TRY_CAST(regexp_extract(views, '([0-9]+[.]?[0-9]*)', 1) AS DOUBLE) * 10000 AS BIGINT)
    ELSE TRY_CAST(regexp_replace(views, '[^0-9]', '', 'g') AS BIGINT)
  END AS views_n,
  length(text) AS text_length,
  regexp_matches(text, '开 *盒|[kK] *盒|开户查|社工|人 *肉|查档|扒皮|扒一扒|挂人|曝光|全家福|户籍|轰炸|打爆|冲他|冲她|给我冲|一起冲|网暴') AS doxx_cue,
  regexp_matches(text, '学校|中学|小学|初中|高中|大学|学院|就读|读书|班主任|[0-9一二三四五六七八九]+年级|[0-9一二三四五六七八九]+班') AS school_cue,
  regexp_matches(text, '单位|上班|任职|就职|供职|工作于|在职') AS workplace_cue,
  regexp_matches(text, '父亲|母亲|爸爸|妈妈|他爸|她爸|他妈|她妈|老公|老婆|妻子|丈夫|儿子|女儿|哥哥|姐姐|弟弟|妹妹|爷爷|奶奶|家人|全家') AS relatives_cue,
  regexp_matches(text, '行踪|轨迹|开房|出没|常去|每天[^，。]{0,8}(在|去)|定位') AS whereabouts_cue,
  regexp_matches(text, '打电话|打爆|轰炸|骂他|骂她|冲他|冲她|给我冲|一起冲|去他家|去她家|堵他|堵她|人人喊打|网暴') AS incitement_cue,
  regexp_matches(text, '客服|热线|服务电话|咨询电话|订购电话|门店|营业|欢迎(来电|咨询|光临|选购)|加盟|优惠|促销|商务合作|商务联系|经纪人|经纪公司|工作室|官方|政务|服务中心|办事处|派出所|街道办|居委会|办公电话|值班电话|失物|拾到|捡到|失主|招领|寻物|认领') AS business_cue,
  regexp_matches(text, '本人|我叫|我的(电话|手机|微信|号码)|求职|简历|应聘|找工作|自荐') AS self_cue,
  regexp_matches(text, '记者|报道|新闻|通报|据悉|法院|检察院|判处|判决|警方|公安机关|格式|例如|比如|示例|举例|科普|组成|校验码') AS news_cue,
  regexp_matches(text, '开 *盒|[kK] *盒|社工|查档|人 *肉|户籍|三要素|四要素|查人|机器人查询|查询机器人|全家福|开房记录|轨迹查询|定位查询|查手机|查身份证|手机号查|身份证查') AS service_cue,
  regexp_matches(text, '[0-9]+ *(元|块|r|R|u|U|米)|价格|价目|收费|一次|包月|月卡|年卡|会员|下单|私聊|私信|联系|飞机|TG|tg|电报|担保|秒出|接单') AS commerce_cue,
  regexp_matches(text, '警方|公安|法院|检察院|判处|判决|打击|提醒|举报|警惕|依法|违法|犯罪|被抓|刑拘|拘留|科普|防范|怎么办|辟谣|记者') AS warning_cue,
  TRY_CAST(regexp_extract(text, '([0-9]+) *(元|块)', 1) AS BIGINT) AS price_yuan
FROM posts_keyed
QUALIFY row_number() OVER (PARTITION BY post_key ORDER BY _source, _row) = 1
