"""`pisentinel bundle …` and `pisentinel psi …`: cross-region collaboration from the shell.

    pisentinel bundle card  -w ws --region 杭州市西湖区检察院 -o hz.card.json
    pisentinel bundle export -w ws --region 杭州… --to nb.card.json [--model m] -o out.bundle
    pisentinel bundle import in.bundle -w ws --region 杭州… --trust nb.card.json
    pisentinel bundle cases -w ws --region 杭州…
    pisentinel psi serve   -w ws --region 宁波… --trust hz.card.json --port 8765
    pisentinel psi connect http://peer:8765 -w ws --region 杭州… --peer nb.card.json

Keys come from the workspace's project key; a peer is trusted only through its card file.
"""

from __future__ import annotations

import csv
import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from pisentinel.cli.common import console, fail, user_errors
from pisentinel.cli.report import STORE_URL, WORKSPACE, open_store

if TYPE_CHECKING:
    from pisentinel.federation import (
        FederationIdentity,
        Identifier,
        PeerCard,
        SharedIdentifier,
    )

REGION = typer.Option(..., "--region", envvar="PISENTINEL_REGION",
                      help="本单位名称（写入名片和线索包）/ this instance's region name.")


def _identity(workspace: Path, region: str) -> FederationIdentity:
    from pisentinel.federation import FederationIdentity
    from pisentinel.protect import load_project_key

    with user_errors():  # a missing or unsafe key is one clear line, not a traceback
        return FederationIdentity.from_project_key(load_project_key(workspace), region)


def _card(path: Path) -> PeerCard:
    from pisentinel.federation import PeerCard, TrustError

    try:
        return PeerCard.load(path)
    except (OSError, TrustError) as e:
        raise fail(f"无法读取名片 {path} / cannot read the card: {type(e).__name__}") from None


def register(app: typer.Typer) -> None:
    bundle = typer.Typer(help="跨地区线索包：签名、加密、导入去重 / signed, encrypted lead "
                              "bundles between regions.", no_args_is_help=True)
    psi = typer.Typer(help="隐私集合求交：只知道双方共有哪些电话、证件号、公司 / private set "
                           "intersection of identifiers with a peer.", no_args_is_help=True)
    app.add_typer(bundle, name="bundle")
    app.add_typer(psi, name="psi")

    @bundle.command("card", help="输出本单位公钥名片 / write this instance's public card.")
    def card(region: str = REGION, workspace: Path = WORKSPACE,
             output: Path | None = typer.Option(None, "-o", "--output")) -> None:
        own = _identity(workspace, region).card()
        if output:
            own.save(output)
        console.print_json(data=own.to_dict())
        console.print(f"指纹 / fingerprint: {own.fingerprint}")

    @bundle.command("export", help="导出线索包给对方 / export leads as a bundle for a peer.")
    def export(to: Path = typer.Option(..., "--to", help="对方名片 / recipient's card."),
               output: Path = typer.Option(..., "-o", "--output"),
               model: str | None = typer.Option(None, "--model"),
               lead: list[int] = typer.Option([], "--lead", help="线索 ID，可多次 / lead ids."),
               region: str = REGION, workspace: Path = WORKSPACE,
               store_url: str | None = STORE_URL) -> None:
        from pisentinel.federation import BundleRefused, export_bundle

        recipient = _card(to)
        with open_store(workspace, store_url) as store:
            ids = lead or [x.id for x in store.query(model=model, limit=1000).items
                           if x.id is not None]
            leads = [store.get(i) for i in ids]
            try:
                data = export_bundle(leads, _identity(workspace, region), recipient)
            except BundleRefused as e:
                raise fail(e.message_zh) from None
            output.write_bytes(data)
            store.audit(getpass.getuser(), "federation.export", "bundle", None, None,
                        {"recipient": recipient.name, "recipient_key": recipient.fingerprint,
                         "leads": len(leads)})
        console.print(f"已导出 {len(leads)} 条线索给 {recipient.name} → {output}")

    @bundle.command("import", help="验证并导入线索包 / verify and import a bundle.")
    def import_(path: Path = typer.Argument(..., exists=True, dir_okay=False),
                trust: list[Path] = typer.Option(..., "--trust", help="信任的名片 / trusted "
                                                 "cards."),
                region: str = REGION, workspace: Path = WORKSPACE,
                store_url: str | None = STORE_URL) -> None:
        from pisentinel.federation import BundleRefused, import_bundle

        cards = [_card(p) for p in trust]
        with open_store(workspace, store_url) as store:
            try:
                record = import_bundle(store, path.read_bytes(), _identity(workspace, region),
                                       cards, by=getpass.getuser())
            except BundleRefused as e:
                raise fail(f"{e.message_zh} / {e.message_en}") from None
        console.print(f"来自 {record.sender}：{record.leads} 条线索，新增 {record.inserted}，"
                      f"更新 {record.updated}")

    @bundle.command("cases", help="跨地区类案视图 / schemes shared across regions.")
    def cases(region: str = REGION, workspace: Path = WORKSPACE,
              store_url: str | None = STORE_URL) -> None:
        from pisentinel.federation import cross_region_cases

        with open_store(workspace, store_url) as store:
            found = cross_region_cases(store, home=region)
        table = Table(title=f"跨地区类案 / cross-region cases: {len(found)}")
        for col in ("#", "地区 / regions", "线索 / leads", "涉及人数 / people"):
            table.add_column(col)
        for i, case in enumerate(found, 1):
            table.add_row(str(i), "、".join(case.regions),
                          "\n".join(f"{x.region} #{x.lead_id} {x.title_zh}" for x in case.leads),
                          str(case.affected_people))
        console.print(table)

    def _items(workspace: Path, store_url: str | None,
               identifiers: Path | None) -> list[Identifier]:
        from pisentinel.federation import identifiers_from_reveal_store, identifiers_from_values
        from pisentinel.protect import load_project_key

        with user_errors():
            key = load_project_key(workspace)
        if identifiers is not None:
            with identifiers.open(encoding="utf-8", newline="") as f:
                return identifiers_from_values(((r["type"], r["value"]) for r in
                                                csv.DictReader(f)), key)
        with open_store(workspace, store_url) as store:
            return identifiers_from_reveal_store(store, key)

    @psi.command("serve", help="作为应答方等待对方求交 / answer PSI sessions from trusted "
                               "peers.")
    def serve(trust: list[Path] = typer.Option(..., "--trust"),
              host: str = typer.Option("127.0.0.1", "--host"),
              port: int = typer.Option(8765, "--port"),
              identifiers: Path | None = typer.Option(
                  None, "--identifiers", help="CSV（type,value），默认取自揭示库 / CSV of "
                  "identifiers; default: the reveal store."),
              region: str = REGION, workspace: Path = WORKSPACE,
              store_url: str | None = STORE_URL) -> None:
        import uvicorn

        from pisentinel.federation import psi_app, record_links

        items = _items(workspace, store_url, identifiers)
        store = open_store(workspace, store_url)

        def on_shared(peer: PeerCard, session: str, shared: list[SharedIdentifier]) -> None:
            record_links(store, peer, session, shared, by=f"psi:{peer.name}")
            console.print(f"与 {peer.name} 共有 {len(shared)} 个标识符 / shared")

        app = psi_app(_identity(workspace, region), [_card(p) for p in trust], lambda: items,
                      on_shared)
        console.print(f"PSI 应答方 / responder on http://{host}:{port} ({len(items)} identifiers)")
        try:
            uvicorn.run(app, host=host, port=port, log_level="warning")
        finally:
            store.close()

    @psi.command("connect", help="向对方发起求交 / run a PSI session against a peer.")
    def connect(url: str = typer.Argument(...),
                peer: Path = typer.Option(..., "--peer", help="对方名片 / the peer's card."),
                identifiers: Path | None = typer.Option(None, "--identifiers"),
                region: str = REGION, workspace: Path = WORKSPACE,
                store_url: str | None = STORE_URL) -> None:
        from pisentinel.federation import PsiError, record_links, run_psi

        card_ = _card(peer)
        items = _items(workspace, store_url, identifiers)
        try:
            outcome = run_psi(url, _identity(workspace, region), card_, items)
        except PsiError as e:
            raise fail(str(e)) from None
        with open_store(workspace, store_url) as store:
            added = record_links(store, card_, outcome.session, outcome.shared,
                                 by=getpass.getuser())
        by_type: dict[str, int] = {}
        for s in outcome.shared:
            by_type[s.type] = by_type.get(s.type, 0) + 1
        console.print(f"与 {card_.name} 共有 {len(outcome.shared)} 个标识符 "
                      f"({', '.join(f'{k}: {v}' for k, v in sorted(by_type.items())) or '—'})；"
                      f"关联本地线索 {added} 处")
