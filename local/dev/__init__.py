"""Local development only: the dev server (the platform plus the demo relying party and the
dev pages, on a demo tenant seeded at first start), and AWS emulated by moto. The platform
server (``local.server``) never imports this package."""
