"""`pisentinel serve` (web console + REST API) and `pisentinel users add|list`."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from pisentinel.cli.common import RULES_HELP, console, fail, user_errors

if TYPE_CHECKING:
    from pisentinel.web.settings import Settings

WORKSPACE = typer.Option(Path("pisentinel-workspace"), "--workspace", "-w",
                         help="工作目录（项目密钥、上传文件、运行记录、线索库）/ workspace.")
STORE_URL = typer.Option(None, "--store", envvar="PISENTINEL_LEADS_URL",
                         help="线索库地址（默认工作目录下的 SQLite）/ lead store URL.")


def _settings(workspace: Path, store_url: str | None, allow_root: list[Path] | None = None,
              max_upload_mb: int = 512, secure_cookies: bool = True) -> Settings:
    try:
        from pisentinel.web import Settings
    except ImportError as e:  # the web extra is not installed
        raise fail(f"缺少 Web 依赖，请安装 pisentinel[web]（{e.name}）/ install pisentinel[web]") \
            from None
    return Settings(workspace=workspace, store_url=store_url,
                    allowed_roots=tuple(allow_root or ()),
                    max_upload_bytes=max_upload_mb * (1 << 20), cookie_secure=secure_cookies)


def register(app: typer.Typer) -> None:
    @app.command("serve", help="启动 Web 控制台与 REST API / serve the web console and REST API.")
    def serve(
        host: str = typer.Option("127.0.0.1", "--host", help="监听地址 / bind address."),
        port: int = typer.Option(8000, "--port", min=1, max=65535),
        workspace: Path = WORKSPACE,
        store_url: str | None = STORE_URL,
        allow_root: list[Path] = typer.Option(
            [], "--allow-root",
            help="允许按路径登记数据源的目录（可多次）/ folder sources may be registered from."),
        max_upload_mb: int = typer.Option(512, "--max-upload-mb", min=1),
        insecure_cookies: bool = typer.Option(
            False, "--insecure-cookies",
            help="不设 Secure（仅限非本机地址上的纯 HTTP 试用）/ drop the Secure cookie flag."),
        rules_file: Path | None = typer.Option(None, "--rules", help=RULES_HELP),
    ) -> None:
        import uvicorn

        from pisentinel.web import create_app

        settings = _settings(workspace, store_url, allow_root, max_upload_mb,
                             not insecure_cookies)
        settings = dataclasses.replace(settings, detection_rules=rules_file)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s "
                                                       "%(message)s")
        with user_errors():  # a bad rules file stops the start, with its file and entry named
            web = create_app(settings)
        if not web.state.services.accounts.users():
            console.print("[yellow]还没有用户，请先运行 pisentinel users add NAME --role admin / "
                          "no users yet: run pisentinel users add NAME --role admin[/yellow]")
        console.print(f"pisentinel console: http://{host}:{port}/  (API: /api/docs)")
        # access_log off: uvicorn's access log prints query strings, which may hold PI; the app
        # logs method, route template, status and time instead.
        uvicorn.run(web, host=host, port=port, access_log=False, log_level="info",
                    server_header=False)

    users = typer.Typer(help="管理控制台用户 / console users.", no_args_is_help=True)
    app.add_typer(users, name="users")

    @users.command("add", help="添加用户 / add a user.")
    def users_add(
        username: str = typer.Argument(..., help="用户名 / user name."),
        role: str = typer.Option("analyst", "--role",
                                 help="viewer | analyst | reviewer | admin"),
        display_name: str | None = typer.Option(None, "--display-name"),
        password: str | None = typer.Option(None, "--password", envvar="PISENTINEL_PASSWORD",
                                            help="默认交互输入 / prompted when omitted."),
        workspace: Path = WORKSPACE,
        store_url: str | None = STORE_URL,
    ) -> None:
        from pisentinel.leads import LeadStore
        from pisentinel.web.accounts import Accounts
        from pisentinel.web.errors import ApiError
        from pisentinel.web.roles import Role

        if role not in {r.value for r in Role}:
            raise fail(f"未知角色 {role} / unknown role; use viewer|analyst|reviewer|admin")
        secret = password or typer.prompt("密码 / password", hide_input=True,
                                          confirmation_prompt=True)
        settings = _settings(workspace, store_url)
        with LeadStore(settings.resolved_store_url()) as store:
            try:
                user = Accounts(store).add_user(username, secret, role, display_name, by="cli")
            except ApiError as e:
                raise fail(f"{e.message_zh} / {e.message_en}") from None
        console.print(f"已添加 / added: {user.username} ({user.role.value})")

    @users.command("list", help="列出用户 / list users.")
    def users_list(workspace: Path = WORKSPACE, store_url: str | None = STORE_URL) -> None:
        from pisentinel.leads import LeadStore
        from pisentinel.web.accounts import Accounts

        settings = _settings(workspace, store_url)
        with LeadStore(settings.resolved_store_url()) as store:
            rows = Accounts(store).users()
        table = Table(title=f"用户 / users: {len(rows)}")
        for col in ("ID", "用户名 / user", "角色 / role", "状态 / state", "最近登录 / last login"):
            table.add_column(col)
        for u in rows:
            state = "停用 / disabled" if u.disabled else "正常 / active"
            table.add_row(str(u.id), u.username, u.role.value, state,
                          u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "—")
        console.print(table)
