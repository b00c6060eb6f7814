"""The HTTP edge, and the only place FastAPI and Starlette live: plain-ASGI JSON endpoints
for the hot path, FastAPI dependencies, pages and templates, error rendering, security
headers, health routes and the Mangum adapter."""
