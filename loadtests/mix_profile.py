"""The mixed profile: "a day at 500,000 monthly active customers, peak hour at 10x average".

Every rate is derived from the assumptions below, which the harness prints with its results.
Change them here, not in the Lua script: mix.lua only receives the weights.
"""

from __future__ import annotations

from dataclasses import dataclass

SECONDS_PER_MONTH = 30 * 24 * 3600


@dataclass(frozen=True)
class Assumptions:
    monthly_active: int = 500_000
    peak_factor: float = 10.0  # the peak hour's rate over the month's average rate
    logins_per_month: float = 4.0  # password sign-ins; the SSO session (7 days) covers the rest
    active_days_per_month: float = 8.0
    active_minutes_per_day: float = 20.0
    refresh_every_minutes: float = 5.0  # the access-token lifetime (300 s)
    introspections_per_active_minute: float = 1.0  # APIs cache an answer for about a minute
    userinfo_per_active_day: float = 1.0  # plus one after every sign-in

    def monthly_requests(self) -> dict[str, float]:
        """Requests per monthly active customer per month, by kind. Each sign-in is a login
        POST, then an authorize over the new session and its code exchange (the harness
        sends the exchange right after the authorize answer)."""
        active_minutes = self.active_days_per_month * self.active_minutes_per_day
        return {
            "login": self.logins_per_month,
            "authorize": self.logins_per_month,
            "token_code": self.logins_per_month,
            "refresh": active_minutes / self.refresh_every_minutes,
            "introspect": active_minutes * self.introspections_per_active_minute,
            "userinfo": self.logins_per_month
            + self.active_days_per_month * self.userinfo_per_active_day,
        }

    def peak_rate_per_customer(self) -> float:
        """Requests per second one monthly active customer adds in the peak hour."""
        return sum(self.monthly_requests().values()) / SECONDS_PER_MONTH * self.peak_factor

    def peak_rate(self) -> float:
        return self.peak_rate_per_customer() * self.monthly_active

    def customers_at(self, rate: float) -> int:
        """The monthly active customers whose peak hour is ``rate`` requests per second."""
        return int(rate / self.peak_rate_per_customer())

    def weights(self) -> str:
        """mix.lua's draw weights (the code exchange follows each authorize, not drawn)."""
        monthly = self.monthly_requests()
        drawn = ("login", "authorize", "refresh", "introspect", "userinfo")
        return ",".join(f"{kind}:{monthly[kind]:g}" for kind in drawn)

    def describe(self) -> list[str]:
        monthly = self.monthly_requests()
        total = sum(monthly.values())
        peak = self.peak_rate()
        lines = [
            f"{self.monthly_active:,} monthly active customers; each: {self.logins_per_month:g}"
            f" password sign-ins/month (each = login POST + authorize + code exchange"
            f" + userinfo), active {self.active_days_per_month:g} days x"
            f" {self.active_minutes_per_day:g} min, a refresh every"
            f" {self.refresh_every_minutes:g} min while active,"
            f" {self.introspections_per_active_minute:g} introspection per active minute,"
            f" {self.userinfo_per_active_day:g} extra userinfo per active day.",
            f"= {total:g} requests per customer per month: "
            + ", ".join(f"{kind} {count:g}" for kind, count in monthly.items()),
            f"average {peak / self.peak_factor:,.1f} req/s; peak hour x{self.peak_factor:g}"
            f" = {peak:,.1f} req/s ({peak * monthly['login'] / total:,.2f} logins/s)"
            f" for {self.monthly_active:,} customers;"
            f" 1 req/s of peak = {1 / self.peak_rate_per_customer():,.0f} customers.",
        ]
        return lines
