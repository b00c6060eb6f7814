"""Tenancy: tenants (organizations) and their lookup, tiers with their limits, and the
metering of monthly active customers those limits apply to."""
