"""gunicorn's settings for the portal: read from the working directory by ``gunicorn wsgi:app``
(README "Production"; ``make bench`` starts it from here too). Workers and binding stay on the
command line."""
import gc


def post_worker_init(worker):
    """Each worker, its app loaded and before its first request: compile every template (the
    first user of each page would otherwise wait for it, in every worker), then move them and
    everything else built so far out of the garbage collector's full collections, as ``wsgi.py``
    did for start-up (README "Benchmark")."""
    from portal import compile_templates

    if not hasattr(worker.wsgi, "jinja_env"):  # gunicorn's stand-in for an app that failed to load
        return
    count = compile_templates(worker.wsgi)
    gc.freeze()
    worker.log.debug("compiled %d templates", count)
