"""Analytics: sign-in, grant and customer events, their hourly rollups, and the queries
behind the organization and platform dashboards. Sits low, beside ``audit``, so every
context can record an event through one call without importing another context."""
