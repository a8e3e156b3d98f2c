"""``flask --app wsgi <command>``: init-db, create-user, seed-demo."""
from __future__ import annotations

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from portal.extensions import db


def register(app: Flask) -> None:
    from portal.jobs.cli import register as register_job_commands

    register_job_commands(app)
    from portal.bench.cli import register as register_bench_commands

    register_bench_commands(app)
    @app.cli.command("init-db")
    def init_db():
        """Migrate the database to the newest schema and add the default org structure and categories."""
        upgrade()
        from portal.services.defaults import ensure_defaults

        ensure_defaults()
        db.session.commit()
        click.echo("database ready")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True, help="full name")
    @click.option("--unit", "unit_name", required=True, help="org unit name, e.g. 客户服务中心")
    @click.option("--role", "roles", multiple=True, required=True,
                  type=click.Choice(["admin", "center_staff", "center_manager", "leader", "branch_staff",
                                     "department_staff"]))
    @click.option("--email", default=None)
    @click.password_option()
    def create_user(username, display_name, unit_name, roles, email, password):
        """Create a user (the password is asked for and checked against the policy)."""
        from portal.models import OrgUnit
        from portal.services import accounts

        unit = db.session.scalar(select(OrgUnit).where(OrgUnit.name == unit_name))
        if unit is None:
            raise click.ClickException(f"no org unit named {unit_name!r}")
        try:
            accounts.create_user(username=username, display_name=display_name, password=password, org_unit=unit,
                                 roles=roles, email=email)
        except accounts.PasswordRejected as exc:
            raise click.ClickException("; ".join(exc.problems)) from exc
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"user {username} created")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="do nothing when users exist already")
    def seed_demo_command(if_empty):
        """Build a realistic demo organisation and data, and print the demo logins."""
        from portal.demo import DEMO_PASSWORD, seed_demo
        from portal.models import User

        if db.session.scalar(select(func.count()).select_from(User)):
            if if_empty:
                click.echo("demo data present; nothing to do")
                return
            raise click.ClickException("the database has users already; seed-demo wants an empty database")
        ctx = seed_demo()
        db.session.commit()
        click.echo("Demo logins (password for all: %s)" % DEMO_PASSWORD)
        for username, roles, unit in ctx.logins:
            click.echo(f"  {username:<14} {roles:<18} {unit}")
