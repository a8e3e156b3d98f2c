"""``flask --app wsgi bench-seed`` and ``bench-prepare`` (the benchmark's data; PostgreSQL only)."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import text

from portal.extensions import db


def _require_postgresql() -> None:
    if db.engine.dialect.name != "postgresql":
        raise click.ClickException("the benchmark data is loaded with PostgreSQL COPY: set PORTAL_DATABASE_URL "
                                   "to a PostgreSQL database")


def register(app: Flask) -> None:
    @app.cli.command("bench-seed")
    @click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(min=0.0001, max=10),
                  help="1 = 1,000,000 complaints, 2,000,000 contacts, 200,000 customers; 0.01 for a quick run")
    @click.option("--seed", default=2026, show_default=True, help="random seed (the same data every time)")
    @click.option("--skip-if-seeded", is_flag=True, help="do nothing when the complaints are there already")
    def bench_seed(scale, seed, skip_if_seeded):
        """Fill PostgreSQL with benchmark data (after init-db and seed-demo)."""
        from portal.bench.seed import BASE, Seeder

        _require_postgresql()
        have = db.session.execute(text("SELECT count(*) FROM (SELECT 1 FROM complaint LIMIT 1000) s")).scalar()
        if have >= 1000:
            if skip_if_seeded:
                click.echo("benchmark data present; nothing to do")
                return
            raise click.ClickException("the database holds benchmark data already; use a fresh database")
        Seeder(scale=scale, seed=seed).run()
        db.session.commit()
        click.echo(f"(scale 1 = {BASE['complaints']:,} complaints)")
