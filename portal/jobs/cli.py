"""``flask worker`` and ``flask scheduler``: the RQ worker and the single periodic scheduler."""
from __future__ import annotations

import logging

import click
from flask import Flask, current_app



def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="stop when the queue is empty")
    def worker(burst):
        """Run an RQ worker on the portal's queue (any number may run)."""
        from rq import Worker

        from portal.jobs import get_queue, redis_connection

        conn = redis_connection()
        Worker([get_queue(conn)], connection=conn).work(burst=burst, with_scheduler=True)

    @app.cli.command("scheduler")
    @click.option("--once", is_flag=True, help="run each due schedule once and stop")
    def scheduler(once):
        """Run the periodic schedule (exactly one per installation)."""
        from portal.jobs.schedule import run_forever, tick

        logging.basicConfig(level=logging.INFO)
        if once:
            tick(current_app._get_current_object())
            return
        run_forever(current_app._get_current_object())
