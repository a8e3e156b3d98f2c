"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi …``."""
import gc

from portal import create_app

app = create_app()

# Everything imported and built so far lives as long as the process (about 170,000 objects:
# modules, the ORM mappers, the URL map, compiled templates). Frozen, the garbage collector stops
# walking them in every full collection: those took ~45 ms each, every hundred or so requests,
# landing on whichever request was running (README "Benchmark").
gc.freeze()
