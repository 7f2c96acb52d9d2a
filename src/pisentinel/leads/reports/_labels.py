"""The words a report prints, in Chinese (the case file's language) and English.

Section names follow how a procuratorate writes up a lead (线索来源, 基本情况, 涉嫌违法事实, 证据,
法律依据, 处理建议); every renderer takes its headings from here so the formats agree.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["LANGS", "MODEL_NAMES", "SECTIONS", "SUBJECT_TYPES", "label", "model_name",
           "summary_table"]

LANGS: Final = ("zh", "en")

SECTIONS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "source": "一、线索来源",
        "basics": "二、基本情况",
        "facts": "三、涉嫌违法事实",
        "evidence": "四、证据",
        "law": "五、法律依据",
        "action": "六、处理建议",
        "history": "附一、状态流转记录",
        "comments": "附二、审查意见",
        "custody": "附三、运行记录（证据保管链）",
        "run_summary": "一、线索汇总",
        "run_chart": "二、按严重程度统计",
        "run_custody": "三、运行记录（证据保管链）",
        "run_leads": "四、线索详情",
        "run_law": "附、法律条文",
    },
    "en": {
        "source": "1. Source of the lead (线索来源)",
        "basics": "2. Basic facts (基本情况)",
        "facts": "3. Alleged violations (涉嫌违法事实)",
        "evidence": "4. Evidence (证据)",
        "law": "5. Legal basis (法律依据)",
        "action": "6. Recommended action (处理建议)",
        "history": "Annex 1. Status history",
        "comments": "Annex 2. Review comments",
        "custody": "Annex 3. Run record (chain of custody)",
        "run_summary": "1. Leads in this run",
        "run_chart": "2. Leads by severity",
        "run_custody": "3. Run record (chain of custody)",
        "run_leads": "4. The leads",
        "run_law": "Annex. Provisions quoted",
    },
}

_WORDS: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "lead_title": "个人信息保护线索报告",
        "run_title": "个人信息保护筛查运行报告",
        "marking": "内部资料 注意保密",
        "number": "线索编号",
        "fingerprint": "线索指纹",
        "generated_at": "报告生成时间",
        "created_at": "线索生成时间",
        "updated_at": "最近更新时间",
        "model": "筛查模型",
        "kind": "线索类型",
        "first_run": "首次发现运行",
        "last_run": "最近一次运行",
        "subject": "线索对象",
        "subject_type": "对象类型",
        "subject_token": "假名令牌",
        "status": "当前状态",
        "title": "线索名称",
        "summary": "线索摘要",
        "affected_people": "涉及个人数",
        "people_unit": "人",
        "records_unit": "条",
        "tier": "档次",
        "tier_scope": "信息类别",
        "threshold": "情节严重标准",
        "records": "条数",
        "ratio": "折算倍数",
        "tier_total": "合计",
        "counts": "其他计数",
        "severity": "严重程度",
        "severity_rule": "适用规则",
        "severity_explanation": "计算过程",
        "standing": "“众多个人”（个人信息保护法第七十条）",
        "standing_short": "众多个人",
        "standing_yes": "达到",
        "standing_no": "未达到",
        "linked": "关联令牌",
        "ev_index": "序号",
        "ev_source": "来源文件",
        "ev_row": "行",
        "ev_column": "列",
        "ev_excerpt": "脱敏摘录",
        "ev_hash": "内容哈希",
        "ev_count": "证据共 {n} 项。",
        "no_evidence": "暂无证据。",
        "reliability": "文本可靠性",
        "abridged": "节录",
        "cited_by_lead": "线索援引",
        "cited_by_severity": "严重程度认定依据",
        "cited_by_standing": "公益诉讼起诉资格依据",
        "recommended": "建议处理方式",
        "also": "可并行",
        "reason": "理由",
        "analyst_set": "（由分析人员或模型指定）",
        "hist_at": "时间",
        "hist_from": "原状态",
        "hist_to": "新状态",
        "hist_by": "操作人",
        "hist_reason": "理由",
        "no_history": "无状态变更记录。",
        "com_at": "时间",
        "com_author": "审查人",
        "com_text": "意见",
        "no_comments": "暂无审查意见。",
        "run_id": "运行编号",
        "run_model": "模型",
        "run_started": "开始时间",
        "run_finished": "结束时间",
        "run_status": "运行状态",
        "inputs": "输入数据",
        "in_path": "文件",
        "in_hash": "内容哈希",
        "in_rows": "行数",
        "params": "参数",
        "versions": "版本",
        "run_counts": "运行计数",
        "none": "无",
        "lead_count": "本次运行共涉及线索 {n} 条。",
        "col_severity": "严重程度",
        "col_people": "涉及人数",
        "col_action": "建议处理",
        "col_status": "状态",
        "col_evidence": "证据",
        "chart_title": "线索按严重程度分布",
        "chart_axis": "线索数（条）",
        "chart_alt": "线索按严重程度分布图",
        "redactions": "注：报告生成时另行遮蔽了 {n} 处未脱敏的身份证号码或手机号码。",
        "reveal_note": "本报告未显示任何原始个人信息；如需查看原文，须经授权并记录在审计日志中。",
        "generator": "生成工具",
        "page": "第 {page} 页 共 {pages} 页",
        "unknown": "未知",
        "see_annex": "条文原文见附“法律条文”。",
        "colon": "：", "lp": "（", "rp": "）", "semi": "；", "enum": "、", "stop": "。",
    },
    "en": {
        "lead_title": "Personal-Information Protection Lead Report",
        "run_title": "Personal-Information Screening Run Report",
        "marking": "Internal — confidential",
        "number": "Lead number",
        "fingerprint": "Fingerprint",
        "generated_at": "Report generated",
        "created_at": "Lead created",
        "updated_at": "Last updated",
        "model": "Screening model",
        "kind": "Kind of finding",
        "first_run": "First seen in run",
        "last_run": "Last run",
        "subject": "Subject",
        "subject_type": "Subject type",
        "subject_token": "Pseudonym token",
        "status": "Status",
        "title": "Title",
        "summary": "Summary",
        "affected_people": "People affected",
        "people_unit": "people",
        "records_unit": "records",
        "tier": "Tier",
        "tier_scope": "Kind of information",
        "threshold": "情节严重 standard",
        "records": "Records",
        "ratio": "Ratio",
        "tier_total": "Total",
        "counts": "Other counts",
        "severity": "Severity",
        "severity_rule": "Rule applied",
        "severity_explanation": "Computation",
        "standing": "众多个人 (PIPL Art. 70)",
        "standing_short": "众多个人 (Art. 70)",
        "standing_yes": "met",
        "standing_no": "not met",
        "linked": "Linked tokens",
        "ev_index": "No.",
        "ev_source": "Source file",
        "ev_row": "Row",
        "ev_column": "Column",
        "ev_excerpt": "Masked excerpt",
        "ev_hash": "Content hash",
        "ev_count": "{n} item(s) of evidence.",
        "no_evidence": "No evidence yet.",
        "reliability": "Reliability of the text",
        "abridged": "abridged",
        "cited_by_lead": "cited by the lead",
        "cited_by_severity": "basis of the severity",
        "cited_by_standing": "basis of public-interest standing",
        "recommended": "Recommended action",
        "also": "Alongside",
        "reason": "Reason",
        "analyst_set": "(set by the analyst or the model)",
        "hist_at": "At",
        "hist_from": "From",
        "hist_to": "To",
        "hist_by": "By",
        "hist_reason": "Reason",
        "no_history": "No status changes recorded.",
        "com_at": "At",
        "com_author": "Reviewer",
        "com_text": "Comment",
        "no_comments": "No comments yet.",
        "run_id": "Run ID",
        "run_model": "Model",
        "run_started": "Started",
        "run_finished": "Finished",
        "run_status": "Run status",
        "inputs": "Inputs",
        "in_path": "File",
        "in_hash": "Content hash",
        "in_rows": "Rows",
        "params": "Parameters",
        "versions": "Versions",
        "run_counts": "Run counts",
        "none": "none",
        "lead_count": "{n} lead(s) in this run.",
        "col_severity": "Severity",
        "col_people": "People",
        "col_action": "Action",
        "col_status": "Status",
        "col_evidence": "Evidence",
        "chart_title": "Leads by severity",
        "chart_axis": "Leads",
        "chart_alt": "Chart of leads by severity",
        "redactions": "Note: {n} unmasked ID or mobile number(s) were masked while this report "
                      "was generated.",
        "reveal_note": "This report shows no raw personal information; revealing an original "
                       "value needs authorisation and is recorded in the audit log.",
        "generator": "Generated by",
        "page": "Page {page} of {pages}",
        "unknown": "unknown",
        "see_annex": "The wording is quoted in the annex of provisions.",
        "colon": ": ", "lp": " (", "rp": ")", "semi": "; ", "enum": ", ", "stop": ". ",
    },
}

MODEL_NAMES: Final[dict[str, tuple[str, str]]] = {
    "parking_app": ("智慧停车", "smart parking app"),
    "face_recognition": ("人脸识别", "face recognition"),
    "fake_recruitment": ("虚假招聘", "fake recruitment"),
    "doxxing": ("网络开盒", "doxxing"),
    "deceased_info": ("逝者信息", "information of the deceased"),
    "scalper_booking": ("黄牛预约", "scalper bookings"),
    "pi_inventory": ("个人信息盘点", "PI inventory"),
}

SUBJECT_TYPES: Final[dict[str, tuple[str, str]]] = {
    "app": ("应用程序", "app"),
    "company": ("单位", "company"),
    "organization": ("单位", "organisation"),
    "organisation": ("单位", "organisation"),
    "operator": ("运营单位", "operator"),
    "contact": ("联系方式", "contact"),
    "post": ("帖子", "post"),
    "channel": ("群组或频道", "channel"),
    "account": ("账号", "account"),
    "phone": ("电话号码", "phone number"),
    "person": ("个人", "person"),
    "victim": ("被侵害人", "victim"),
    "cluster": ("类案集群", "cluster of cases"),
    "device": ("设备", "device"),
    "staff": ("工作人员", "staff member"),
    "dataset": ("数据集", "dataset"),
}


def label(key: str, lang: str) -> str:
    """The word for ``key`` in ``lang`` (KeyError on a key no renderer should ask for)."""
    return _WORDS[lang][key]


def words(lang: str) -> dict[str, str]:
    return dict(_WORDS[lang])


def model_name(model: str, lang: str) -> str:
    """``scalper_booking`` → ``黄牛预约（scalper_booking）``; unknown models keep their name."""
    names = MODEL_NAMES.get(model)
    if names is None:
        return model
    return f"{names[0]}（{model}）" if lang == "zh" else f"{names[1]} ({model})"


def subject_type_name(kind: str, lang: str) -> str:
    names = SUBJECT_TYPES.get(kind)
    if names is None:
        return kind
    return names[0] if lang == "zh" else names[1]


# The run summary table: (word for the heading, key of the row in the run context's summary).
_SUMMARY_COLUMNS: Final = (("number", "number"), ("title", "title"), ("subject", "subject"),
                           ("col_severity", "severity"), ("col_people", "affected_people"),
                           ("col_action", "action"), ("col_status", "status"),
                           ("col_evidence", "evidence"))


def summary_table(summary: list[dict[str, Any]], w: dict[str, str]
                  ) -> tuple[list[str], list[list[Any]]]:
    """Headings and rows of the run summary table, the same in every format."""
    return ([w[word] for word, _ in _SUMMARY_COLUMNS],
            [[r[key] for _, key in _SUMMARY_COLUMNS] for r in summary])
