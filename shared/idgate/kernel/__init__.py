"""The kernel: process settings, the per-process ``Runtime`` (engine, clock, caches), the
error vocabulary, the request context, cache primitives and failure buckets. Imports
nothing else of idgate, so every other context may import it."""
