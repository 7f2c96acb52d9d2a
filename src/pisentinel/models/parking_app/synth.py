"""Synthetic parking apps: real APKs (manifest by aapt, dex with SDK classes), privacy policies in
txt (UTF-8 and GBK) and html, and captured traffic, with planted violations and compliant decoys.

Violating apps (the truth) ask for location, contacts or device state with 友盟/极光/个推 SDKs that
the policy never names, leave Art. 17 items out, deny what they ask for, or send device IDs
before consent. Decoys are lawful apps: location only for an optional "nearby car parks" function
under separate consent, a disclosed SDK list (in the hard mix by the provider's company name only),
camera for scanning the payment code, denials of what they do not ask for, a customer-service
number in the policy, classes in look-alike packages (com.umengx …). `rows` is the number of
apps (capped at 1000)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pisentinel.leads import Lead
from pisentinel.models.parking_app.apkbuild import build_apk
from pisentinel.models.parking_app.knowledge import sdks
from pisentinel.synth import pi_text as g

__all__ = ["evaluate", "generate"]

P = "android.permission."
_PAY_SDKS = ("wechat_opensdk", "alipay", "unionpay")
_BAD_SDKS = ("umeng_analytics", "jpush", "getui", "umeng_push", "tencent_gdt", "talkingdata",
             "baidu_mobstat", "shumei")
_OK_SDKS = ("tencent_bugly", "huawei_hms", "xiaomi_push", "amap_map", "qiniu", "aliyun_oss")
_CITY = ("保定", "徐水", "石家庄", "廊坊", "雄安", "定州", "涿州", "唐山")
_WORD = ("易", "悦", "智", "捷", "畅", "安", "速", "惠", "泊", "享")
_TAIL = ("停车", "泊车", "停车宝", "车位通", "停车缴费", "泊位")
_VIOLATIONS = ("over_collection", "undisclosed_sdk", "whereabouts_without_separate_consent",
               "policy_contradiction", "missing_notice_item", "pre_consent_transmission",
               "cleartext_transmission", "no_policy")


def _sdk(sid: str) -> Any:
    return {s.id: s for s in sdks()}[sid]


def _classes(sid: str, rng: random.Random) -> list[str]:
    prefix = rng.choice(_sdk(sid).prefixes)
    names = ("Client", "Manager", "Service", "Agent", "Interface", "Receiver", "Config")
    return [f"{prefix}.{rng.choice(('api', 'core', 'internal', 'a'))}.{n}"
            for n in rng.sample(names, rng.randint(1, 4))]


def _company(rng: random.Random, label: str) -> str:
    return f"{rng.choice(_CITY)}市{label}智慧停车科技有限公司"


def _policy(app: dict[str, Any], rng: random.Random, hard: bool) -> str:
    label, flaws = app["label"], app["flaws"]
    s = [f"《{label}》隐私政策", f"更新日期：2025年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"]
    if "no_handler" not in flaws:
        s.append(f"本政策适用于{_company(rng, label)}（以下简称“我们”）运营的“{label}”App。")
    else:
        s.append(f"本政策适用于“{label}”App（以下简称“我们”）。")
    s.append("当您注册账户时，我们会收集您的手机号码，用于创建账户和发送缴费通知。")
    s.append("为了查询停车费用并完成缴费，我们需要您提供车牌号码。")
    s.append("缴费由支付渠道完成，我们会获取支付时间、支付金额、支付渠道等支付信息，用于生成停车订单。")
    perms = set(app["permissions"])
    if P + "CAMERA" in perms:
        s.append("当您使用扫码缴费功能时，我们会申请相机权限，用于扫描停车场的缴费二维码。")
    if P + "ACCESS_FINE_LOCATION" in perms and app["location_ok"]:
        consent = rng.choice(("取得您的单独同意", "经您单独授权", "另行征得您的同意")) if hard \
            else "取得您的单独同意"
        if "location_no_consent" in flaws:
            s.append("当您使用“附近停车场”功能时，我们会获取您的位置信息，用于为您推荐附近的停车场；"
                     "该功能为扩展功能，您可以拒绝授权，不影响您使用停车缴费功能。")
        else:
            s.append(f"当您使用“附近停车场”功能时，我们会在{consent}后获取您的位置信息，"
                     "用于为您推荐附近的停车场和导航；该功能为扩展功能，您可以拒绝授权，不影响您使用停车缴费功能。")
    denied = app["denies"]
    if denied:
        s.append("我们不会收集您的" + "、".join(denied) + "。")
    disclosed = [sid for sid in app["sdks"] if sid not in app["hidden_sdks"]]
    if disclosed:
        s.append("为实现缴费、消息推送等功能，我们接入了以下第三方SDK：")
        for sid in disclosed:
            sdk = _sdk(sid)
            if hard and rng.random() < 0.5:
                s.append(f"{sdk.vendor_zh}提供的相关服务，用于实现相应功能，会收集必要的设备信息。")
            else:
                s.append(f"{sdk.name_zh}，提供方：{sdk.vendor_zh}，用于实现相应功能。")
    if "no_retention" not in flaws:
        s.append("我们仅在实现目的所必需的最短时间内保存您的个人信息，停车订单信息保存三年，期限届满后删除或匿名化处理。")
    if "no_rights" not in flaws:
        s.append("您可以通过“我的-设置”查阅、复制、更正、删除您的个人信息，也可以撤回同意或注销账户，"
                 "我们将在十五个工作日内响应您的请求。")
    if "no_contact" not in flaws:
        phone = g.mobile(rng) if rng.random() < 0.3 else f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        s.append(f"如您对本政策有任何疑问，请联系我们：电子邮箱 privacy@{app['package'].split('.')[1]}.cn，"
                 f"客服电话 {phone}。")
    if hard and rng.random() < 0.3:
        s.insert(rng.randrange(3, len(s)), s[rng.randrange(3, len(s))])  # a duplicated clause
    return "\n".join(s)


def _html(text: str, rng: random.Random) -> str:
    body = "".join(f"<p>{line}</p>\n" for line in text.splitlines())
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>隐私政策</title>"
            f"<style>p{{margin:4px}}</style><script>var t={rng.randint(1, 9)};</script></head>"
            f"<body>\n{body}</body></html>\n")


def _har(app: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    host = f"api.{app['package'].split('.')[1]}.cn"
    entries = []
    t = rng.randint(0, 50)

    def add(url: str, body: str = "", method: str = "GET") -> None:
        nonlocal t
        t += rng.randint(1, 9)
        req: dict[str, Any] = {"method": method, "url": url, "headers": [
            {"name": "X-Requested-With", "value": app["package"]}]}
        if body:
            req["postData"] = {"mimeType": "application/json", "text": body}
        entries.append({"startedDateTime": f"2025-03-01T08:{t // 60:02d}:{t % 60:02d}.000Z",
                        "request": req, "response": {"status": 200}})

    add(f"https://{host}/app/config?v=1")
    if "pre_consent" in app["flaws"]:
        add("https://sdk.example-push.cn/v2/register", json.dumps(
            {"imei": "86" + g._digits(rng, 13), "oaid": g._digits(rng, 16)}), "POST")
    add(f"https://{host}/privacy/agree", json.dumps({"version": 3}), "POST")
    add(f"https://{host}/parking/fee", json.dumps({"plate": g.plate(rng)}), "POST")
    scheme = "http" if "cleartext" in app["flaws"] else "https"
    add(f"{scheme}://{host}/user/bind", json.dumps({"mobile": g.mobile(rng)}), "POST")
    return {"log": {"version": "1.2", "creator": {"name": "synthetic"}, "entries": entries}}


def _plan(i: int, rng: random.Random, hard: bool, violating: bool) -> dict[str, Any]:
    word = rng.choice(_WORD) + rng.choice(_TAIL)
    package = f"cn.{rng.choice(('bd', 'xs', 'hb', 'jj', 'sz'))}park{i:04d}.app"
    perms = [P + "INTERNET", P + "ACCESS_NETWORK_STATE", P + "ACCESS_WIFI_STATE"]
    if rng.random() < 0.7:
        perms.append(P + "CAMERA")
    app: dict[str, Any] = {
        "package": package, "label": f"{rng.choice(_CITY)}{word}", "permissions": perms,
        "sdks": [rng.choice(_PAY_SDKS), *rng.sample(_OK_SDKS, rng.randint(0, 2))],
        "hidden_sdks": [], "denies": [], "flaws": [], "location_ok": False, "planted": [],
        "decoy_classes": []}
    if rng.random() < 0.5:  # lawful optional location
        perms.append(P + "ACCESS_FINE_LOCATION")
        app["location_ok"] = True
    if rng.random() < 0.5:
        app["denies"] = [d for d in ("通讯录", "通话记录", "短信") if rng.random() < 0.7] or ["通讯录"]
    if hard and rng.random() < 0.5:
        app["decoy_classes"] = ["com.umengx.tools.Helper", "cn.jpushy.Util", "com.amapx.Map"]
    if not violating:
        return app
    kinds = ([rng.choice(_VIOLATIONS)] if hard
             else ["over_collection", "undisclosed_sdk", *rng.sample(_VIOLATIONS, 1)])
    for kind in dict.fromkeys(kinds):
        app["planted"].append(kind)
        if kind == "over_collection":
            extra = [P + "READ_CONTACTS"] if not hard else [rng.choice(
                (P + "READ_CONTACTS", P + "READ_PHONE_STATE", P + "READ_CALL_LOG",
                 P + "QUERY_ALL_PACKAGES", P + "ACCESS_BACKGROUND_LOCATION"))]
            if extra[0] == P + "ACCESS_BACKGROUND_LOCATION" and not app["location_ok"]:
                perms.append(P + "ACCESS_FINE_LOCATION")
                app["location_ok"] = True
            perms += extra
            app["denies"] = [d for d in app["denies"] if d != "通讯录" or P + "READ_CONTACTS"
                             not in extra]
            if not hard:  # the classic S1 app: location never mentioned either
                if P + "ACCESS_FINE_LOCATION" not in perms:
                    perms.append(P + "ACCESS_FINE_LOCATION")
                app["location_ok"] = False
        elif kind == "undisclosed_sdk":
            hidden = rng.sample(_BAD_SDKS, 1 if hard else 2)
            app["sdks"] += hidden
            app["hidden_sdks"] += hidden
        elif kind == "whereabouts_without_separate_consent":
            if P + "ACCESS_FINE_LOCATION" not in perms:
                perms.append(P + "ACCESS_FINE_LOCATION")
            app["location_ok"] = True
            app["flaws"].append("location_no_consent")
        elif kind == "policy_contradiction":
            perms.append(P + "READ_CONTACTS")
            app["denies"] = sorted(set(app["denies"]) | {"通讯录"})
        elif kind == "missing_notice_item":
            app["flaws"].append(rng.choice(("no_retention", "no_rights", "no_contact",
                                            "no_handler")))
        elif kind == "pre_consent_transmission":
            app["flaws"].append("pre_consent")
        elif kind == "cleartext_transmission":
            app["flaws"].append("cleartext")
        elif kind == "no_policy":
            app["flaws"].append("no_policy")
    app["permissions"] = list(dict.fromkeys(perms))
    return app


def generate(rows: int, seed: int, out_dir: Path, mix: str = "default") -> dict[str, Any]:
    rng = random.Random(f"parking_app:{seed}:{mix}")
    hard = mix == "hard"
    out = Path(out_dir)
    for sub in ("apks", "policies", "traffic"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    n = max(4, min(int(rows), 1000))
    apps = [_plan(i, rng, hard, violating=rng.random() < 0.4) for i in range(n)]
    labels: set[str] = set()
    for i, app in enumerate(apps):  # distinct apps have distinct names
        while app["label"] in labels:
            app["label"] = f"{rng.choice(_CITY)}{rng.choice(_WORD)}{rng.choice(_WORD)}{rng.choice(_TAIL)}"
            if app["label"] in labels:
                app["label"] += str(i)
        labels.add(app["label"])
    if not any(a["planted"] for a in apps):
        apps[0] = _plan(0, rng, hard, violating=True)
    inputs: dict[str, list[str]] = {"apks": [], "policies": [], "traffic": []}
    cache = out / ".aapt"
    for i, app in enumerate(apps):
        classes = [f"{app['package']}.MainActivity", f"{app['package']}.pay.PayActivity"]
        for sid in app["sdks"]:
            classes += _classes(sid, rng)
        classes += app["decoy_classes"]
        apk_name = f"app-release-{i:04d}.apk" if hard and rng.random() < 0.5 \
            else f"{app['package']}.apk"
        build_apk(out / "apks" / apk_name, app["package"], app["label"], app["permissions"],
                  classes, version=f"{rng.randint(1, 4)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
                  cache=cache)
        inputs["apks"].append(f"apks/{apk_name}")
        if "no_policy" not in app["flaws"]:
            text = _policy(app, rng, hard)
            style = rng.choice(("txt", "gbk", "html")) if hard else rng.choice(("txt", "html"))
            stem = app["package"] if not hard or rng.random() < 0.5 else f"{app['label']}隐私政策"
            if style == "html":
                path = out / "policies" / f"{stem}.html"
                path.write_text(_html(text, rng), "utf-8")
            else:
                path = out / "policies" / f"{stem}.txt"
                path.write_text(text, "gb18030" if style == "gbk" else "utf-8")
            inputs["policies"].append(f"policies/{path.name}")
        if rng.random() < 0.5 or {"pre_consent", "cleartext"} & set(app["flaws"]):
            har_name = f"{app['package']}.har" if rng.random() < 0.5 else f"capture-{i:04d}.har"
            (out / "traffic" / har_name).write_text(
                json.dumps(_har(app, rng), ensure_ascii=False), "utf-8")
            inputs["traffic"].append(f"traffic/{har_name}")
    truth = {
        "subjects": [{"kind": "app_pi_violation", "type": "APP_PACKAGE", "value": a["package"],
                      "planted": a["planted"]} for a in apps if a["planted"]],
        "decoys": [a["package"] for a in apps if not a["planted"]],
        "inputs": inputs,
    }
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), "utf-8")
    return truth


def evaluate(truth: dict[str, Any], leads: list[Lead], token: Callable[[str, str], str]
             ) -> dict[str, float]:
    """App-level precision and recall of the leads, and finding-level recall: a planted
    violation counts as found when the app's lead has evidence of that kind."""
    want = {token(s["type"], s["value"]): s for s in truth["subjects"]}
    got = {lead.subject.token: lead for lead in leads}
    hits = len(set(want) & set(got))
    planted = found = 0
    for tok, s in want.items():
        kinds = {ev.detail.get("kind") for ev in got[tok].evidence} if tok in got else set()
        planted += len(s["planted"])
        found += sum(1 for k in s["planted"] if k in kinds)
    return {"precision": hits / len(got) if got else 1.0,
            "recall": hits / len(want) if want else 1.0,
            "finding_recall": found / planted if planted else 1.0,
            "leads": float(len(leads)), "truth": float(len(want))}
